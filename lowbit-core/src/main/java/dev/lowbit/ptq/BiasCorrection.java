package dev.lowbit.ptq;

import dev.lowbit.quant.QuantPlan;
import dev.lowbit.export.QdqParams;
import dev.lowbit.export.QdqWriter.QuantizedWeight;
import dev.lowbit.onnx.Graph;
import dev.lowbit.onnx.Node;
import dev.lowbit.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Bias correction (DFQ §4.2): rounding a weight W to W̃ = W + ε shifts the layer's expected
 * output by ε·E[x]; subtracting that from the float bias makes the quantized layer unbiased:
 * b ← b − ε·E[x], per output channel o: Σ_i Σ_k ε[o,i,k]·E[x_i] (Gemm: times alpha/beta). The
 * exporter then quantizes the corrected bias. A layer without a bias gets one.
 *
 * <p>E[x] (per input channel) is measured on the calibration data ({@link Mode#EMPIRICAL}) or
 * derived from the BN statistics captured before folding ({@link Mode#ANALYTIC}; layers whose
 * input those do not describe, such as the first layer, are left alone). Conv padding is ignored:
 * border outputs see fewer real inputs, so their correction is approximate.
 */
public final class BiasCorrection implements PtqStep {
    public enum Mode {
        EMPIRICAL, ANALYTIC;

        public static Mode parse(String s) {
            return switch (s.toLowerCase(java.util.Locale.ROOT)) {
                case "empirical", "" -> EMPIRICAL;
                case "analytic" -> ANALYTIC;
                default -> throw new dev.lowbit.LowbitException("unknown bias correction '" + s + "' (expected empirical or analytic)");
            };
        }
    }

    /** Layers corrected, layers skipped (no E[x] or not a Conv/Gemm), and the mean |correction| over channels. */
    public record Result(int corrected, int skipped, double meanAbsCorrection) {
        @Override
        public String toString() {
            return String.format("%d layers corrected, %d skipped, mean |Δb| %.3g", corrected, skipped, meanAbsCorrection);
        }
    }

    private final Mode mode;
    private final BatchNormStats stats;

    /** @param stats BN statistics (only the analytic mode reads them; pass the same object CLE updated) */
    public BiasCorrection(Mode mode, BatchNormStats stats) {
        this.mode = mode;
        this.stats = stats;
    }

    @Override
    public Phase phase() {
        return Phase.WEIGHTS;
    }

    @Override
    public String name() {
        return "bias-correction";
    }

    @Override
    public void apply(PtqContext ctx) {
        Graph g = ctx.prepared().graph();
        List<Node> layers = new ArrayList<>();
        for (QuantPlan.Weight w : ctx.plan().weights()) {
            Node n = g.node(w.node());
            if (n != null && w.inputIndex() == 1 && WeightChannels.of(n, g.initializer(w.initializer())) != null) {
                layers.add(n);
            }
        }
        Function<String, double[]> means;
        if (mode == Mode.EMPIRICAL) {
            Map<String, double[]> m = ExpectedInputs.empirical(ctx.prepared(), ctx.calibrationBatches(),
                    ExpectedInputs.inputsOf(layers));
            means = m::get;
        } else {
            means = v -> ExpectedInputs.analytic(g, stats, v);
        }
        Result r = correct(g, ctx.plan(), ctx.weights(), means);
        ctx.notes().merge(name(), mode.name().toLowerCase(java.util.Locale.ROOT) + ": " + r, (a, b) -> a + "; " + b);
    }

    /**
     * Corrects the float bias of every planned Conv/Gemm weight in {@code weights}, in place, given
     * E[x] of each layer's input by tensor name (null = unknown, layer left alone). New biases are
     * added to {@code plan} so the exporter quantizes them.
     */
    public static Result correct(Graph g, QuantPlan plan, Map<String, QuantizedWeight> weights, Function<String, double[]> expectedInput) {
        int corrected = 0;
        int skipped = 0;
        double absSum = 0;
        long channels = 0;
        for (QuantPlan.Weight pw : List.copyOf(plan.weights())) {
            Node n = g.node(pw.node());
            QuantizedWeight q = weights.get(pw.initializer());
            Tensor w = g.initializer(pw.initializer());
            WeightChannels l = n == null || q == null || w == null || pw.inputIndex() != 1 ? null : WeightChannels.of(n, w);
            double[] ex = l == null ? null : expectedInput.apply(n.input(0));
            double factor = n == null ? Double.NaN : LayerGraph.biasFactor(n);
            if (l == null || ex == null || ex.length != l.inChannels || Double.isNaN(factor)
                    || !LayerGraph.ownBiasOrNone(g, n, l.outChannels)) {
                skipped++;
                continue;
            }
            double[] shift = outputShift(w, q, l, ex);
            boolean hadBias = n.hasInput(2);
            double[] b = LayerGraph.bias(g, n, l.outChannels);
            for (int o = 0; o < b.length; o++) {
                b[o] -= factor * shift[o];
                absSum += Math.abs(factor * shift[o]);
            }
            channels += b.length;
            LayerGraph.setBias(g, n, b);
            if (!hadBias) {
                plan.biases().add(new QuantPlan.Bias(pw.node(), 2, n.input(2), n.input(0), n.input(1)));
            }
            corrected++;
        }
        return new Result(corrected, skipped,
                channels == 0 ? 0 : absSum / channels);
    }

    /** ε·E[x] per output channel, ε = dequantized − float weight. */
    static double[] outputShift(Tensor w, QuantizedWeight q, WeightChannels l, double[] ex) {
        double[] eps = quantizationError(w, q);
        double[] shift = new double[l.outChannels];
        for (int idx = 0; idx < eps.length; idx++) {
            shift[l.outChannelOf[idx]] += eps[idx] * ex[l.inChannelOf[idx]];
        }
        return shift;
    }

    /** W̃ − W element-wise, W̃ = (q − z)·s as DequantizeLinear computes it. */
    static double[] quantizationError(Tensor w, QuantizedWeight q) {
        QdqParams p = q.params();
        Tensor v = q.values();
        int channels = p.scales().length;
        int[] shape = w.shapeRef();
        int inner = 1;
        if (channels > 1) {
            int ax = p.axis() < 0 ? p.axis() + shape.length : p.axis();
            for (int i = ax + 1; i < shape.length; i++) {
                inner *= shape[i];
            }
        }
        double[] eps = new double[w.size()];
        for (int i = 0; i < eps.length; i++) {
            int c = channels == 1 ? 0 : (i / inner) % channels;
            float deq = (float) (v.getLong(i) - p.zeroPoints()[c]) * p.scales()[c];
            eps[i] = (double) deq - w.getDouble(i);
        }
        return eps;
    }
}
