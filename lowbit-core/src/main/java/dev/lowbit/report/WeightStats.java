package dev.lowbit.report;

import dev.lowbit.eval.Agreement;
import dev.lowbit.onnx.Graph;
import dev.lowbit.onnx.Node;
import dev.lowbit.ptq.PtqResult;
import dev.lowbit.quant.QuantPlan;
import dev.lowbit.quant.FakeQuant;
import dev.lowbit.quant.QuantParams;
import dev.lowbit.tensor.Shapes;
import dev.lowbit.tensor.Tensor;

/**
 * A quantized weight's report row. The integer codes are read from the quantized model itself
 * (the DequantizeLinear feeding the node), so what is measured is what the model stores, after
 * any rounding step (AdaRound...) replaced the round-to-nearest codes.
 */
final class WeightStats {
    private WeightStats() {
    }

    static QuantReport.WeightInfo of(PtqResult r, QuantPlan.Weight w) {
        Tensor fw = r.prepared().graph().initializer(w.initializer());
        QuantParams p = r.weights().get(w.initializer());
        if (fw == null || p == null) {
            return null;
        }
        float[] ref = fw.toFloatArray();
        Dequantized dq = fromModel(r.quantized().graph(), w);
        float[] test;
        float[] scales;
        int axis;
        if (dq != null && dq.values.length == ref.length) {
            test = dq.values;
            scales = dq.scales;
            axis = dq.axis;
        } else { // not found in the graph (unexpected): recompute round-to-nearest from the parameters
            test = FakeQuant.apply(Tensor.of(ref, fw.shape()), p).floats();
            scales = p.scales();
            axis = p.axis();
        }
        float sMin = Float.POSITIVE_INFINITY;
        float sMax = Float.NEGATIVE_INFINITY;
        for (float s : scales) {
            sMin = Math.min(sMin, s);
            sMax = Math.max(sMax, s);
        }
        float wMin = Float.POSITIVE_INFINITY;
        float wMax = Float.NEGATIVE_INFINITY;
        for (float v : ref) {
            wMin = Math.min(wMin, v);
            wMax = Math.max(wMax, v);
        }
        Agreement all = new Agreement();
        all.add(ref, test, 0);
        double worst = all.sqnrDb();
        if (scales.length > 1) {
            worst = worstChannel(ref, test, fw.shapeRef(), axis, scales.length);
        }
        return new QuantReport.WeightInfo(w.initializer(), p.scheme().toString(), scales.length, sMin, sMax, wMin, wMax,
                all.sqnrDb(), worst);
    }

    /** Lowest SQNR over the slices along {@code axis} (channels with an all-zero weight are skipped). */
    static double worstChannel(float[] ref, float[] test, int[] shape, int axis, int channels) {
        int ax = Shapes.axis(axis, shape.length);
        int inner = 1;
        for (int i = ax + 1; i < shape.length; i++) {
            inner *= shape[i];
        }
        double[] signal = new double[channels];
        double[] noise = new double[channels];
        for (int i = 0; i < ref.length; i++) {
            int c = (i / inner) % channels;
            double d = ref[i] - test[i];
            signal[c] += (double) ref[i] * ref[i];
            noise[c] += d * d;
        }
        double worst = Double.POSITIVE_INFINITY;
        for (int c = 0; c < channels; c++) {
            if (signal[c] > 0) {
                worst = Math.min(worst, noise[c] == 0 ? Double.POSITIVE_INFINITY : 10 * Math.log10(signal[c] / noise[c]));
            }
        }
        return worst;
    }

    private record Dequantized(float[] values, float[] scales, int axis) {
    }

    /** Dequantizes the codes that feed {@code w}'s node in the quantized graph, or null when not found. */
    private static Dequantized fromModel(Graph q, QuantPlan.Weight w) {
        Node node = null;
        for (Node n : q.nodes()) {
            if (n.name().equals(w.node()) || (n.name().isEmpty() && n.output(0).equals(w.node()))) {
                node = n;
            }
        }
        if (node == null || !node.hasInput(w.inputIndex())) {
            return null;
        }
        Node deq = q.producer(node.input(w.inputIndex()));
        if (deq == null || !deq.opType().equals("DequantizeLinear")) {
            return null;
        }
        Tensor codes = q.initializer(deq.input(0));
        Tensor scale = q.initializer(deq.input(1));
        Tensor zero = deq.hasInput(2) ? q.initializer(deq.input(2)) : null;
        if (codes == null || scale == null) {
            return null;
        }
        float[] scales = scale.toFloatArray();
        long[] zeros = zero == null ? new long[scales.length] : zero.toLongArray();
        int axis = scales.length > 1 ? Shapes.axis((int) deq.getInt("axis", 1), codes.rank()) : 0;
        int inner = 1;
        for (int i = axis + 1; i < codes.rank(); i++) {
            inner *= codes.dim(i);
        }
        long[] q8 = codes.toLongArray();
        float[] out = new float[q8.length];
        for (int i = 0; i < q8.length; i++) {
            int c = scales.length == 1 ? 0 : (i / inner) % scales.length;
            out[i] = (q8[i] - zeros[c]) * scales[c];
        }
        return new Dequantized(out, scales, axis);
    }
}
