package dev.lowbit.qat;

import dev.lowbit.quant.QuantParams;
import dev.lowbit.quant.QuantScheme;
import dev.lowbit.tensor.Tensor;

/**
 * Fake quantization of one trained weight tensor. Two kinds:
 * <ul>
 *   <li>{@code minmax}: per-channel min-max parameters recomputed from the current weights every step.
 *       Min-max never clips, so the straight-through gradient is the identity.</li>
 *   <li>{@code lsq}: learned step sizes, one per output channel (Esser et al. 2019), zero point fixed at
 *       the scheme's (0 for symmetric weights). Values clipped by the grid get no weight gradient; the
 *       step-size gradient is Σ g·(round(w/s) − w/s) inside the grid and g·qmin / g·qmax outside, scaled
 *       by 1/sqrt(N·QP) with N the weights per channel. Initial steps are the PTQ's (min-max, or MSE with
 *       {@code weight_method: mse}).</li>
 * </ul>
 * Training and export use the same {@link #params()}, so the exported codes are the ones trained.
 */
final class WeightQuantizer {
    private final QuantScheme scheme;
    private final boolean learned;
    private QuantParams params;

    WeightQuantizer(QuantScheme scheme, boolean learned, Tensor initialWeight) {
        this(scheme, learned, FakeQuant.weightParams(initialWeight, scheme));
    }

    /** Starts from {@code initial} (e.g. the PTQ's MSE-searched ranges); min-max recomputes each step anyway. */
    WeightQuantizer(QuantScheme scheme, boolean learned, QuantParams initial) {
        this.scheme = scheme;
        this.learned = learned;
        this.params = new QuantParams(initial.scales().clone(), initial.zeroPoints().clone(), initial.axis(), initial.scheme());
    }

    boolean learned() {
        return learned;
    }

    QuantScheme scheme() {
        return scheme;
    }

    /** The step sizes (one per channel, or one): trained in place by the optimizer when learned. */
    float[] scales() {
        return params.scales();
    }

    /** Current parameters; for {@code minmax}, those of {@code w}. */
    QuantParams params(Tensor w) {
        if (!learned) {
            params = FakeQuant.weightParams(w, scheme);
        }
        return params;
    }

    QuantParams params() {
        return params;
    }

    /** Restores learned steps (e.g. from a checkpoint); ignored for min-max. */
    void setScales(float[] s) {
        System.arraycopy(s, 0, params.scales(), 0, Math.min(s.length, params.scales().length));
    }

    /** Keeps learned steps positive after an optimizer update. */
    void clampScales() {
        float[] s = params.scales();
        for (int i = 0; i < s.length; i++) {
            s[i] = Math.max(s[i], 1e-8f);
        }
    }

    /**
     * Straight-through backward: turns d loss / d ŵ {@code g} into d loss / d w (written into {@code g}
     * in place) and returns d loss / d s per channel (null for min-max).
     */
    float[] backward(Tensor w, float[] g) {
        if (!learned) {
            return null;
        }
        float[] x = w.floats(), s = params.scales();
        int[] z = params.zeroPoints();
        int channels = s.length;
        int inner = 1;
        if (channels > 1) {
            for (int d = params.axis() + 1; d < w.rank(); d++) {
                inner *= w.dim(d);
            }
        }
        int qmin = scheme.qmin(), qmax = scheme.qmax();
        double[] sum = new double[channels];
        for (int i = 0; i < x.length; i++) {
            int c = channels == 1 ? 0 : (i / inner) % channels;
            int zp = z[c];
            double v = x[i] / s[c];
            double r = Math.rint(v);
            double q = r + zp;
            if (q < qmin) {
                sum[c] += g[i] * (qmin - zp);
                g[i] = 0;
            } else if (q > qmax) {
                sum[c] += g[i] * (qmax - zp);
                g[i] = 0;
            } else {
                sum[c] += g[i] * (r - v);
            }
        }
        int per = x.length / channels;
        float[] ds = new float[channels];
        for (int c = 0; c < channels; c++) {
            ds[c] = (float) (sum[c] / Math.sqrt((double) per * Math.max(1, qmax - z[c])));
        }
        return ds;
    }
}
