package dev.lowbit.engine;

import dev.lowbit.exec.OpRegistry;
import dev.lowbit.onnx.Attribute;
import dev.lowbit.onnx.Graph;
import dev.lowbit.onnx.Node;
import dev.lowbit.tensor.DType;
import dev.lowbit.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;

/**
 * A DequantizeLinear read only by a QuantizeLinear (directly or through one Relu), both with
 * per-tensor constant 8-bit parameters, becomes one engine op ({@code Requantize} or
 * {@code RequantizeRelu}, {@link OpRegistry#ENGINE_DOMAIN}) that maps each byte through a
 * 256-entry table. ONNX Runtime leaves such chains (a residual Add's output requantized for the
 * Relu after it, for example) as float ops; the table holds the bytes those float ops produce, so
 * the values are unchanged and three passes over the tensor become one.
 */
final class RequantizeFusion {
    private RequantizeFusion() {
    }

    static void apply(Graph g) {
        for (Node dq : new ArrayList<>(g.nodes())) {
            if (!g.nodes().contains(dq) || !isEightBitPerTensor(g, dq, "DequantizeLinear") || !soleReader(g, dq)) {
                continue;
            }
            Node next = g.consumers(dq.output(0)).get(0);
            Node relu = null;
            if (next.opType().equals("Relu") && next.domain().isEmpty() && soleReader(g, next)) {
                relu = next;
                next = g.consumers(relu.output(0)).get(0);
            }
            if (!isEightBitPerTensor(g, next, "QuantizeLinear")) {
                continue;
            }
            Node table = new Node(relu == null ? "Requantize" : "RequantizeRelu", OpRegistry.ENGINE_DOMAIN,
                    dq.name() + "/requantize", new ArrayList<>(List.of(dq.input(0), dq.input(1), dq.input(2),
                            next.input(1), next.input(2))), new ArrayList<>(List.of(next.output(0))));
            g.insertBefore(dq, table);
            g.removeNode(dq);
            if (relu != null) {
                g.removeNode(relu);
            }
            g.removeNode(next);
        }
    }

    /**
     * A Requantize table (after {@link ClipQuantizeRewrite#foldIntoProducers}, its clamp included)
     * that alone reads a QLinearAdd's output, as a residual block's Add is requantized for the
     * Relu after it, is applied by the QLinearAdd to each row it writes while the row is in cache:
     * one pass over the tensor and one tensor less. The table's scales and zero points become the
     * Add's inputs 8 to 11, its kind the attribute {@link OpRegistry#OUTPUT_TABLE}, its clamp the
     * Add's (which then applies after the table). An Add that already saturates narrower keeps its
     * table separate.
     */
    static void foldIntoAdds(Graph g) {
        for (Node table : new ArrayList<>(g.nodes())) {
            if (!table.domain().equals(OpRegistry.ENGINE_DOMAIN) || !table.opType().startsWith("Requantize")) {
                continue;
            }
            Node add = g.producer(table.input(0));
            if (add == null || !add.opType().equals("QLinearAdd") || !add.domain().equals("com.microsoft")
                    || add.inputs().size() != 8 || add.has(OpRegistry.CLAMP_LOW) || add.has(OpRegistry.CLAMP_HIGH)
                    || add.has(OpRegistry.OUTPUT_TABLE) || !soleReader(g, add)) {
                continue;
            }
            add.inputs().addAll(table.inputs().subList(1, 5));
            add.set(Attribute.ofInt(OpRegistry.OUTPUT_TABLE, table.opType().equals("RequantizeRelu") ? 2 : 1));
            for (String clamp : List.of(OpRegistry.CLAMP_LOW, OpRegistry.CLAMP_HIGH)) {
                if (table.has(clamp)) {
                    add.set(table.attributes().get(clamp));
                }
            }
            g.valueInfos().remove(add.output(0));
            add.outputs().set(0, table.output(0));
            g.removeNode(table);
        }
    }

    /** The node's output is not a graph output and exactly one node reads it. */
    private static boolean soleReader(Graph g, Node n) {
        return n.outputs().size() == 1 && !g.isGraphOutput(n.output(0)) && g.readCount(n.output(0)) == 1
                && g.consumers(n.output(0)).size() == 1;
    }

    /**
     * A default-domain {@code opType} (QuantizeLinear or DequantizeLinear) with a constant float
     * scalar scale and an 8-bit scalar zero point.
     */
    static boolean isEightBitPerTensor(Graph g, Node n, String opType) {
        if (!n.opType().equals(opType) || !n.domain().isEmpty() || n.inputs().size() != 3) {
            return false;
        }
        Tensor scale = g.initializer(n.input(1));
        Tensor zp = g.initializer(n.input(2));
        return scale != null && zp != null && scale.dtype() == DType.FLOAT && scale.size() == 1 && zp.size() == 1
                && (zp.dtype() == DType.UINT8 || zp.dtype() == DType.INT8);
    }
}
