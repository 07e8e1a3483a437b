package dev.lowbit.engine;

import dev.lowbit.onnx.Attribute;
import dev.lowbit.onnx.Graph;
import dev.lowbit.onnx.Node;
import dev.lowbit.ops.ConvForward;
import java.util.List;

/**
 * Fuses a residual {@code Add(Conv(..), other)} into the Conv, which then starts its accumulators
 * from {@code other} instead of writing its output and having Add read it back (ONNX Runtime fuses
 * the same "Conv with Sum"). Run before {@link ActivationFusion}, so a Relu after the Add becomes
 * the Conv's clamp too: Conv -> Add -> Relu is one pass. An execution-only rewrite: the attribute is
 * lowbit's own and never written to files.
 */
final class ResidualFusion {
    private ResidualFusion() {
    }

    static int apply(Graph g) {
        int fused = 0;
        for (Node add : List.copyOf(g.nodes())) {
            if (!add.opType().equals("Add") || !add.domain().isEmpty() || add.inputs().size() != 2
                    || add.outputs().size() != 1 || add.input(0).equals(add.input(1))) {
                continue;
            }
            for (int side = 0; side < 2; side++) {
                Node conv = fusableConv(g, add.input(side));
                if (conv != null) {
                    while (conv.inputs().size() < 3) {
                        conv.inputs().add(""); // no bias: an empty optional input
                    }
                    conv.inputs().add(add.input(1 - side));
                    conv.set(Attribute.ofInt(ConvForward.FUSED_ADD, 1));
                    conv.outputs().set(0, add.output(0));
                    g.removeNode(add);
                    fused++;
                    break;
                }
            }
        }
        return fused;
    }

    /** The float Conv producing {@code value} if Add is its only reader and nothing is fused into it yet. */
    private static Node fusableConv(Graph g, String value) {
        Node conv = g.producer(value);
        if (conv == null || !conv.opType().equals("Conv") || !conv.domain().isEmpty() || conv.outputs().size() != 1
                || conv.inputs().size() > 3 || g.consumers(value).size() != 1 || g.isGraphOutput(value)
                || conv.has(ConvForward.FUSED_MIN) || conv.has(ConvForward.FUSED_ADD)) {
            return null;
        }
        return conv;
    }
}
