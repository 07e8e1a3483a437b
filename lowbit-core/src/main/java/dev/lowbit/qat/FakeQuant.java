package dev.lowbit.qat;

import dev.lowbit.calib.WeightRanges;
import dev.lowbit.export.QdqParams;
import dev.lowbit.quant.QuantParams;
import dev.lowbit.quant.QuantScheme;
import dev.lowbit.tensor.Tensor;

/**
 * Fake quantization arithmetic shared by training and export: v̂ = (clamp(round(v/s) + z, qmin, qmax) − z)·s,
 * and the LSQ step-size gradient (Esser et al. 2019).
 */
public final class FakeQuant {
    private FakeQuant() {
    }

    /** Per-channel (or per-tensor) min-max parameters of a weight under {@code scheme}. */
    public static QuantParams weightParams(Tensor w, QuantScheme scheme) {
        return WeightRanges.minMax(w, scheme).toParams(scheme);
    }

    /** Channel of element {@code i} of a tensor shaped {@code shape} for params {@code p} (0 when per tensor). */
    static int[] channelIndex(int[] shape, QuantParams p) {
        int size = dev.lowbit.tensor.Shapes.size(shape);
        int[] ch = new int[size];
        if (p.scales().length == 1) {
            return ch;
        }
        int axis = p.axis();
        int inner = 1;
        for (int d = axis + 1; d < shape.length; d++) {
            inner *= shape[d];
        }
        int channels = shape[axis];
        for (int i = 0; i < size; i++) {
            ch[i] = (i / inner) % channels;
        }
        return ch;
    }

    /** The fake-quantized copy of {@code w}. */
    public static Tensor fakeQuantize(Tensor w, QuantParams p) {
        float[] x = w.floats(), y = new float[x.length];
        int[] ch = channelIndex(w.shapeRef(), p);
        int qmin = p.scheme().qmin(), qmax = p.scheme().qmax();
        for (int i = 0; i < x.length; i++) {
            float s = p.scales()[ch[i]];
            int z = p.zeroPoints()[ch[i]];
            double q = Math.max(qmin, Math.min(qmax, Math.rint(x[i] / s) + z));
            y[i] = (float) ((q - z) * s);
        }
        return Tensor.of(y, w.shape());
    }

    /** Integer codes of {@code w} in the scheme's storage type, as the QDQ export stores them. */
    public static Tensor codes(Tensor w, QuantParams p) {
        float[] x = w.floats();
        int[] ch = channelIndex(w.shapeRef(), p);
        Tensor t = Tensor.zeros(p.scheme().storageType(), w.shape());
        int qmin = p.scheme().qmin(), qmax = p.scheme().qmax();
        for (int i = 0; i < x.length; i++) {
            t.setLong(i, (long) Math.max(qmin, Math.min(qmax, Math.rint(x[i] / p.scales()[ch[i]]) + p.zeroPoints()[ch[i]])));
        }
        return t;
    }

    public static QdqParams toQdq(QuantParams p) {
        QuantScheme s = p.scheme();
        return new QdqParams(p.scales(), p.zeroPoints(), s.perChannel() ? p.axis() : -1, s.storageType(), s.qmin(), s.qmax());
    }

    /**
     * d loss / d s of a per-tensor quantizer with scale {@code s} and zero point {@code z}, given its input
     * {@code x} and d loss / d v̂ {@code g}: Σ g·(round(x/s) − x/s) inside the grid, g·(qmin − z) below
     * and g·(qmax − z) above, times LSQ's gradient scale 1/sqrt(N·QP) with N = {@code elementsPerSample}
     * and QP = qmax − z (the number of positive levels).
     */
    public static double lsqScaleGradient(float[] x, float[] g, float s, int z, int qmin, int qmax, int elementsPerSample) {
        double sum = 0;
        for (int i = 0; i < x.length; i++) {
            double v = x[i] / s;
            double r = Math.rint(v);
            double q = r + z;
            double d = q < qmin ? qmin - z : q > qmax ? qmax - z : r - v;
            sum += g[i] * d;
        }
        int qp = Math.max(1, qmax - z);
        return sum / Math.sqrt((double) elementsPerSample * qp);
    }

    /** The LSQ forward for one value (what the QDQ pair in the training graph computes). */
    public static float lsqForward(float x, float s, int z, int qmin, int qmax) {
        double q = Math.max(qmin, Math.min(qmax, Math.rint(x / s) + z));
        return (float) ((q - z) * s);
    }

    /**
     * PACT's gradient (Choi et al. 2018) for a quantizer whose clip levels move with its step: α = s·(qmax − z)
     * and the low level s·(qmin − z). Straight through inside the grid (no rounding term, unlike LSQ), so
     * d loss / d s = (qmax − z)·Σ g over values at or above the top level + (qmin − z)·Σ g at or below the bottom.
     */
    public static double pactScaleGradient(float[] x, float[] g, float s, int z, int qmin, int qmax) {
        double hi = (double) s * (qmax - z), lo = (double) s * (qmin - z);
        double above = 0, below = 0;
        for (int i = 0; i < x.length; i++) {
            if (x[i] >= hi) {
                above += g[i];
            } else if (x[i] <= lo && qmin != z) {
                below += g[i];
            }
        }
        return above * (qmax - z) + below * (qmin - z);
    }
}
