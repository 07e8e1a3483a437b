package dev.lowbit.engine;

import dev.lowbit.exec.OpRegistry;
import dev.lowbit.onnx.Attribute;
import dev.lowbit.onnx.Graph;
import dev.lowbit.onnx.Node;
import dev.lowbit.quant.QuantMath;
import dev.lowbit.tensor.DType;
import dev.lowbit.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code Clip(lo, hi) -> QuantizeLinear} becomes {@code QuantizeLinear -> ClampQuantized(Q(lo), Q(hi))}
 * ({@link OpRegistry#ENGINE_DOMAIN}): a clip that narrows an 8-bit tensor's range, as exports of
 * 7-bit activations write it (uint8 storage, clipped to [0, 127] steps). Quantization is monotone
 * (a positive scale's division, round half to even and saturation never reverse an order), so
 * {@code Q(clamp(v, lo, hi)) = clamp(Q(v), Q(lo), Q(hi))} for every v: the values are unchanged.
 * With the Clip gone, the op before it meets its QuantizeLinear and forms an integer node unit
 * (a QLinearConv for DQ -> Conv -> Relu -> Clip -> Q), which ONNX Runtime's own rewrites leave in
 * float; the clamp then runs on bytes. A clip the quantized range already lies within is simply
 * dropped (ORT's ClipQuantFusion case).
 *
 * <p>Only for models lowbit quantized for its {@code generic} backend (metadata
 * {@code lowbit.backend = generic}: 7- and 5-bit activations, meant for an integer runtime that
 * saturates at the narrow range, such as lowbit's engine). Every other model runs as ONNX Runtime
 * runs it, and ORT keeps a Conv whose output is clipped narrower than its QuantizeLinear in float —
 * an integer Conv rounds once where ORT's float Conv may round differently, so the bytes could
 * differ in the last step.
 */
final class ClipQuantizeRewrite {
    /** The metadata key lowbit's quantizers write the backend profile under, and the profile this rewrite serves. */
    static final String BACKEND_KEY = "lowbit.backend";
    static final String GENERIC = "generic";

    private ClipQuantizeRewrite() {
    }

    static void apply(Graph g) {
        // Repeated until nothing moves: Clip(0, 6) -> Clip(0, 127 s) -> Q (ReLU6 then the 7-bit range)
        // moves the second clip first, then the first one meets the QuantizeLinear.
        while (moveOneRound(g)) {
            // next round
        }
    }

    private static boolean moveOneRound(Graph g) {
        boolean moved = false;
        for (Node clip : new ArrayList<>(g.nodes())) {
            if (!clip.opType().equals("Clip") || !clip.domain().isEmpty() || g.isGraphOutput(clip.output(0))
                    || g.readCount(clip.output(0)) != 1 || g.consumers(clip.output(0)).size() != 1) {
                continue;
            }
            Node q = g.consumers(clip.output(0)).get(0);
            double[] bounds = g.clipBounds(clip);
            int[] range = bounds == null ? null : quantizedRange(g, q, bounds);
            if (range == null) {
                continue;
            }
            String quantized = q.output(0);
            q.inputs().set(0, clip.input(0));
            g.removeNode(clip);
            moved = true;
            DType type = g.initializer(q.input(2)).dtype();
            if (range[0] <= type.minValue() && range[1] >= type.maxValue()) {
                continue;
            }
            String unclamped = g.uniqueName(quantized + "_unclamped");
            q.outputs().set(0, unclamped);
            Node clamp = new Node("ClampQuantized", OpRegistry.ENGINE_DOMAIN, clip.name() + "/clamp_quantized",
                    new ArrayList<>(List.of(unclamped)), new ArrayList<>(List.of(quantized)));
            clamp.set(Attribute.ofInt("low", range[0]));
            clamp.set(Attribute.ofInt("high", range[1]));
            g.insertAfter(q, clamp);
            g.valueInfos().remove(quantized);
        }
        return moved;
    }

    /**
     * Folds each ClampQuantized into the op producing its input when that op can saturate to a
     * narrower range itself (QLinearConv, QLinearAdd/Mul, QuantizeLinear, the Requantize tables;
     * {@link OpRegistry#CLAMP_LOW}) and
     * nothing else reads the unclamped bytes: one pass over the tensor less.
     */
    static void foldIntoProducers(Graph g) {
        for (Node clamp : g.topologicalOrder()) {
            if (!clamp.opType().equals("ClampQuantized") || !clamp.domain().equals(OpRegistry.ENGINE_DOMAIN)) {
                continue;
            }
            Node producer = g.producer(clamp.input(0));
            if (producer == null || g.isGraphOutput(clamp.input(0)) || g.readCount(clamp.input(0)) != 1) {
                continue;
            }
            // Clamps in a row become one (the intersection), which may then fold further.
            boolean chained = producer.opType().equals("ClampQuantized") && producer.domain().equals(OpRegistry.ENGINE_DOMAIN);
            if (!chained && !canSaturateNarrower(producer)) {
                continue;
            }
            String lowKey = chained ? "low" : OpRegistry.CLAMP_LOW;
            String highKey = chained ? "high" : OpRegistry.CLAMP_HIGH;
            long low = Math.max(clamp.getInt("low", Long.MIN_VALUE), producer.getInt(lowKey, Long.MIN_VALUE));
            long high = Math.min(clamp.getInt("high", Long.MAX_VALUE), producer.getInt(highKey, Long.MAX_VALUE));
            producer.set(Attribute.ofInt(lowKey, low));
            producer.set(Attribute.ofInt(highKey, high));
            g.valueInfos().remove(producer.output(0));
            producer.outputs().set(0, clamp.output(0));
            g.removeNode(clamp);
        }
    }

    private static boolean canSaturateNarrower(Node n) {
        String op = n.opType();
        return n.outputs().size() == 1 && ((op.equals("QLinearConv") || op.equals("QuantizeLinear")) && n.domain().isEmpty()
                || (op.equals("QLinearAdd") || op.equals("QLinearMul")) && n.domain().equals("com.microsoft")
                || n.domain().equals(OpRegistry.ENGINE_DOMAIN) && op.startsWith("Requantize"));
    }

    /** [Q(lo), Q(hi)] for a default-domain per-tensor 8-bit QuantizeLinear with constant parameters; else null. */
    private static int[] quantizedRange(Graph g, Node q, double[] bounds) {
        if (!RequantizeFusion.isEightBitPerTensor(g, q, "QuantizeLinear") || !(g.initializer(q.input(1)).floats()[0] > 0)
                || Double.isNaN(bounds[0]) || Double.isNaN(bounds[1]) || bounds[0] > bounds[1]) {
            return null;
        }
        Tensor scale = g.initializer(q.input(1));
        Tensor zp = g.initializer(q.input(2));
        float s = scale.floats()[0];
        int z = (int) zp.getLong(0);
        int qmin = (int) zp.dtype().minValue();
        int qmax = (int) zp.dtype().maxValue();
        return new int[] {QuantMath.quantize((float) bounds[0], s, z, qmin, qmax),
            QuantMath.quantize((float) bounds[1], s, z, qmin, qmax)};
    }
}
