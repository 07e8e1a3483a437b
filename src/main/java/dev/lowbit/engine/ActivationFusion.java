package dev.lowbit.engine;

import dev.lowbit.onnx.Attribute;
import dev.lowbit.onnx.Graph;
import dev.lowbit.onnx.Node;
import dev.lowbit.ops.ConvForward;
import dev.lowbit.tensor.Tensor;
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
                Float min = bound(g, act, 1, "min");
                Float max = bound(g, act, 2, "max");
                if (min == null || max == null) {
                    continue;
                }
                lo = min;
                hi = max;
            }
            conv.set(Attribute.ofFloat(ConvForward.FUSED_MIN, lo)).set(Attribute.ofFloat(ConvForward.FUSED_MAX, hi));
            conv.outputs().set(0, act.output(0));
            g.removeNode(act);
            fused++;
        }
        return fused;
    }

    /** A Clip bound (input at opset 11+, attribute before), infinite when absent, null when not constant. */
    private static Float bound(Graph g, Node clip, int input, String attr) {
        if (clip.hasInput(input)) {
            Tensor t = g.initializer(clip.input(input));
            return t == null || t.size() != 1 ? null : (float) t.getDouble(0);
        }
        if (clip.has(attr)) {
            return clip.getFloat(attr, 0);
        }
        return input == 1 ? Float.NEGATIVE_INFINITY : Float.POSITIVE_INFINITY;
    }
}
