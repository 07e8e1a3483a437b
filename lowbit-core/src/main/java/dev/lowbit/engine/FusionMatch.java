package dev.lowbit.engine;

import dev.lowbit.onnx.Graph;
import dev.lowbit.onnx.Node;
import dev.lowbit.tensor.DType;
import dev.lowbit.tensor.Tensor;
import java.util.List;

/** Small pattern-matching helpers shared by the execution-only graph fusions. */
final class FusionMatch {
    private FusionMatch() {
    }

    /**
     * The single node of the default domain with type {@code opType} reading {@code value}, when it
     * is the value's only reader and the value is not a graph output (so removing the producer's
     * output changes nothing else), else null.
     */
    static Node soleReader(Graph g, String value, String opType) {
        List<Node> readers = g.consumers(value);
        if (readers.size() != 1 || g.isGraphOutput(value)) {
            return null;
        }
        Node n = readers.get(0);
        return n.opType().equals(opType) && n.domain().isEmpty() && n.outputs().size() == 1 ? n : null;
    }

    /** The other input of a two-input node, given one of them, or null when {@code one} is not an input. */
    static String otherInput(Node n, String one) {
        if (n.inputs().size() != 2) {
            return null;
        }
        if (n.input(0).equals(one)) {
            return n.input(1);
        }
        return n.input(1).equals(one) ? n.input(0) : null;
    }

    /** The value of a one-element float constant, or NaN when {@code value} is not one. */
    static double scalar(Graph g, String value) {
        Tensor t = g.constant(value);
        if (t == null || t.size() != 1 || !t.dtype().isFloatingPoint()) {
            return Double.NaN;
        }
        return t.getDouble(0);
    }

    /** True when {@code v} is within float rounding of {@code expected}. */
    static boolean near(double v, double expected) {
        return Math.abs(v - expected) <= 1e-6 * Math.abs(expected);
    }

    /** The float constant behind {@code value} when it is a vector (rank 1), else null. */
    static Tensor floatVector(Graph g, String value) {
        Tensor t = g.constant(value);
        return t != null && t.dtype() == DType.FLOAT && t.rank() == 1 ? t : null;
    }
}
