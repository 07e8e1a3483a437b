package dev.lowbit.ptq;

import dev.lowbit.onnx.Graph;
import dev.lowbit.onnx.Node;
import dev.lowbit.tensor.Tensor;
import java.util.List;

/**
 * Bias absorption (DFQ §4.1): after equalization some channels of a ReLU's input have large
 * positive biases, which widen the activation's quantization range. Where the channel's
 * pre-activation h_i ~ N(β_i, γ_i²) (BN statistics) is almost surely above c_i = max(0, β_i − 3γ_i),
 * ReLU(h − c) = ReLU(h) − c, so c can move into the next layer: b1 ← b1 − c, b2 ← b2 + W2·c.
 * The float output is unchanged wherever h_i ≥ c_i (≥ 99.87% of a normal channel).
 *
 * <p>A Conv that pads its input sees zeros at the borders, not the −c the shift would need, so
 * absorbing into a padded conv changes its border outputs; it is skipped unless asked for.
 */
public final class BiasAbsorption {
    private BiasAbsorption() {
    }

    /** Pairs absorbed into, channels with c > 0, and pairs skipped (no BN statistics, padding, no ReLU). */
    public record Result(int pairs, int channels, int skippedNoStats, int skippedPadded, int skippedNoRelu) {
        @Override
        public String toString() {
            return String.format("%d pairs, %d channels shifted (skipped: %d without BN stats, %d padded, %d without ReLU)",
                    pairs, channels, skippedNoStats, skippedPadded, skippedNoRelu);
        }
    }

    /** Absorbs what the BN statistics allow across each pair's ReLU, in place; updates {@code stats}. */
    public static Result apply(Graph g, List<CrossLayerEqualization.Pair> pairs, BatchNormStats stats, boolean absorbPadded) {
        int done = 0;
        int channels = 0;
        int noStats = 0;
        int paddedSkips = 0;
        int noRelu = 0;
        for (CrossLayerEqualization.Pair p : pairs) {
            if (p.activation() == null || !p.activation().opType().equals("Relu")) {
                noRelu++;
                continue;
            }
            BatchNormStats.Gaussian h = stats.get(p.first().output(0));
            Node n2 = p.second();
            if (h == null) {
                noStats++;
                continue;
            }
            if (LayerGraph.padded(n2) && !absorbPadded) {
                paddedSkips++;
                continue;
            }
            double factor = LayerGraph.biasFactor(n2);
            if (Double.isNaN(factor)) {
                continue;
            }
            double[] c = new double[h.mean().length];
            int shifted = 0;
            for (int i = 0; i < c.length; i++) {
                c[i] = Math.max(0, h.mean()[i] - 3 * h.std()[i]);
                shifted += c[i] > 0 ? 1 : 0;
            }
            if (shifted == 0) {
                continue;
            }
            Tensor w2 = g.initializer(n2.input(1));
            WeightChannels l1 = WeightChannels.of(p.first(), g.initializer(p.first().input(1)));
            WeightChannels l2 = WeightChannels.of(n2, w2);
            double[] b1 = LayerGraph.bias(g, p.first(), l1.outChannels);
            double[] b2 = LayerGraph.bias(g, n2, l2.outChannels);
            for (int i = 0; i < c.length; i++) {
                b1[i] -= c[i];
            }
            for (int idx = 0; idx < w2.size(); idx++) {
                b2[l2.outChannelOf[idx]] += factor * w2.getDouble(idx) * c[l2.inChannelOf[idx]];
            }
            LayerGraph.setBias(g, p.first(), b1);
            LayerGraph.setBias(g, n2, b2);
            stats.shift(p.first().output(0), c);
            done++;
            channels += shifted;
        }
        return new Result(done, channels, noStats, paddedSkips, noRelu);
    }
}
