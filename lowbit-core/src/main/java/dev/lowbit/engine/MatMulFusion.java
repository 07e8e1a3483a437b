package dev.lowbit.engine;

import static dev.lowbit.engine.FusionMatch.floatVector;
import static dev.lowbit.engine.FusionMatch.otherInput;
import static dev.lowbit.engine.FusionMatch.scalar;
import static dev.lowbit.engine.FusionMatch.soleReader;

import dev.lowbit.onnx.Attribute;
import dev.lowbit.onnx.Graph;
import dev.lowbit.onnx.Node;
import dev.lowbit.ops.MatMulOps;
import dev.lowbit.tensor.DType;
import dev.lowbit.tensor.Tensor;
import java.util.List;

/**
 * Folds what surrounds a float MatMul in transformer exports into it, as ONNX Runtime's
 * MatMulScaleFusion, MatMulAddFusion and MatMul-Transpose fusions do: a scale by a constant after
 * it (attention's 1/sqrt(d)) becomes the GEMM's alpha, a constant bias row added to it (a Linear
 * layer) is where the GEMM starts accumulating, and Transposes feeding or following it (attention
 * heads) become GEMM strides. Each saves a full pass over the activation. Execution-only.
 */
final class MatMulFusion {
    private MatMulFusion() {
    }

    static int apply(Graph g) {
        int fused = 0;
        for (Node mm : List.copyOf(g.nodes())) {
            if (!mm.opType().equals("MatMul") || !mm.domain().isEmpty() || mm.inputs().size() != 2
                    || mm.outputs().size() != 1) {
                continue;
            }
            fused += transposes(g, mm);
            fused += scale(g, mm) ? 1 : 0;
            fused += bias(g, mm) ? 1 : 0;
        }
        return fused;
    }

    /** MatMul -> Div or Mul by a constant scalar: alpha = 1/c or c. */
    private static boolean scale(Graph g, Node mm) {
        List<Node> readers = g.consumers(mm.output(0));
        if (readers.size() != 1 || g.isGraphOutput(mm.output(0))) {
            return false;
        }
        Node op = readers.get(0);
        boolean div = op.opType().equals("Div") && op.input(0).equals(mm.output(0));
        boolean mul = op.opType().equals("Mul");
        if (!op.domain().isEmpty() || (!div && !mul) || op.inputs().size() != 2 || op.outputs().size() != 1) {
            return false;
        }
        double c = scalar(g, otherInput(op, mm.output(0)));
        if (Double.isNaN(c) || c == 0 || Double.isInfinite(c)) {
            return false;
        }
        mm.set(Attribute.ofFloat(MatMulOps.ALPHA, (float) (div ? 1 / c : c)));
        absorb(g, mm, op);
        return true;
    }

    /** MatMul(x, W[K,N]) -> Add(bias[N]): the GEMM starts from the bias. */
    private static boolean bias(Graph g, Node mm) {
        Tensor w = g.constant(mm.input(1));
        Node add = soleReader(g, mm.output(0), "Add");
        if (w == null || w.dtype() != DType.FLOAT || w.rank() != 2 || add == null || mm.has(MatMulOps.PERM_Y)) {
            return false;
        }
        String biasName = otherInput(add, mm.output(0));
        Tensor bias = biasName == null ? null : floatVector(g, biasName);
        if (bias == null || bias.size() != w.dim(1)) {
            return false;
        }
        mm.inputs().add(biasName);
        mm.set(Attribute.ofInt(MatMulOps.FUSED_BIAS, 1));
        absorb(g, mm, add);
        return true;
    }

    /** Transposes into either operand (when the MatMul alone reads them) and out of the result. */
    private static int transposes(Graph g, Node mm) {
        if (g.constant(mm.input(0)) != null || g.constant(mm.input(1)) != null) {
            return 0; // a constant operand is packed once at load: no transposes to save
        }
        int fused = 0;
        String[] attrs = {MatMulOps.PERM_A, MatMulOps.PERM_B};
        for (int side = 0; side < 2; side++) {
            Node t = g.producer(mm.input(side));
            long[] perm = t == null ? null : foldablePerm(t, false);
            if (perm != null && g.consumers(t.output(0)).size() == 1 && !g.isGraphOutput(t.output(0))
                    && !mm.input(1 - side).equals(t.output(0))) {
                mm.inputs().set(side, t.input(0));
                mm.set(Attribute.ofInts(attrs[side], perm));
                g.removeNode(t);
                fused++;
            }
        }
        Node out = soleReader(g, mm.output(0), "Transpose");
        long[] perm = out == null ? null : foldablePerm(out, true);
        if (perm != null) {
            mm.set(Attribute.ofInts(MatMulOps.PERM_Y, perm));
            absorb(g, mm, out);
            fused++;
        }
        return fused;
    }

    /**
     * The explicit perm of a Transpose of rank >= 2 that the GEMM can read or write through: the
     * source's last (unit-stride) axis must end up as one of the matrix axes, and for a result
     * ({@code output}) stay the last one.
     */
    private static long[] foldablePerm(Node t, boolean output) {
        if (!t.opType().equals("Transpose") || !t.domain().isEmpty() || !t.has("perm")) {
            return null;
        }
        long[] perm = t.getInts("perm", null);
        int r = perm.length;
        if (r < 2) {
            return null;
        }
        boolean last = perm[r - 1] == r - 1;
        return last || (!output && perm[r - 2] == r - 1) ? perm : null;
    }

    /** The MatMul takes over {@code next}'s output and {@code next} goes. */
    private static void absorb(Graph g, Node mm, Node next) {
        mm.outputs().set(0, next.output(0));
        g.removeNode(next);
    }
}
