package dev.lowbit.engine;

import dev.lowbit.onnx.Attribute;
import dev.lowbit.onnx.Graph;
import dev.lowbit.onnx.Node;
import dev.lowbit.ops.ConvForward;
import java.util.List;

/**
 * Fuses a Relu or Clip (constant bounds) into the float Conv that alone feeds it, so the clamp
 * runs while the convolution's output is still in cache instead of as another pass over memory.
 * An execution-only rewrite: the attributes it sets are lowbit's own and never written to files.
 */
final class ActivationFusion {
    private ActivationFusion() {
    }

    static int apply(Graph g) {
        int fused = 0;
        for (Node act : List.copyOf(g.nodes())) {
            if (!act.opType().equals("Relu") && !act.opType().equals("Clip")) {
                continue;
            }
            String in = act.input(0);
            Node conv = g.producer(in);
            if (conv == null || !conv.opType().equals("Conv") || !conv.domain().isEmpty() || conv.outputs().size() != 1
                    || g.consumers(in).size() != 1 || g.isGraphOutput(in) || conv.has(ConvForward.FUSED_MIN)) {
                continue;
            }
            float lo = 0;
            float hi = Float.POSITIVE_INFINITY;
            if (act.opType().equals("Clip")) {
                double[] bounds = g.clipBounds(act);
                if (bounds == null) {
                    continue;
                }
                lo = (float) bounds[0];
                hi = (float) bounds[1];
            }
            conv.set(Attribute.ofFloat(ConvForward.FUSED_MIN, lo)).set(Attribute.ofFloat(ConvForward.FUSED_MAX, hi));
            conv.outputs().set(0, act.output(0));
            g.removeNode(act);
            fused++;
        }
        return fused;
    }
}
