package dev.lowbit.calib;

import dev.lowbit.LowbitException;
import dev.lowbit.quant.FakeQuant;
import dev.lowbit.quant.QuantParams;
import dev.lowbit.quant.QuantScheme;
import dev.lowbit.tensor.Parallel;
import dev.lowbit.tensor.Shapes;
import dev.lowbit.tensor.Tensor;

/**
 * Ranges for constant weights, per channel along the scheme's axis (or per tensor): plain min/max,
 * or the MSE search over clip ratios of each channel's range that minimises the actual squared
 * fake-quantization error of that channel's weights.
 */
public final class WeightRanges {
    /** Clip ratios searched by {@link #mse}: 1.00, 0.99, ..., 0.20. */
    public static final int MSE_STEPS = 81;

    private WeightRanges() {
    }

    public static Ranges minMax(Tensor w, QuantScheme scheme) {
        MinMaxObserver o = scheme.perChannel() ? MinMaxObserver.perChannel(scheme.axis()) : MinMaxObserver.perTensor();
        o.observe(w);
        return o.range();
    }

    /**
     * For each channel, the range r·[min, max] (r·[-amax, amax] when symmetric) with r in
     * {1.00, 0.99, ..., 0.20} minimising the squared error of fake quantization; ties keep the
     * larger range. NaN/infinite weights are excluded from the search and counted.
     */
    public static Ranges mse(Tensor w, QuantScheme scheme) {
        Ranges mm = minMax(w, scheme);
        float[] data = w.toFloatArray();
        int channels = mm.channels();
        int inner = 1;
        int outer = 1;
        if (scheme.perChannel()) {
            int[] shape = w.shapeRef();
            int ax = Shapes.axis(scheme.axis(), shape.length);
            for (int i = ax + 1; i < shape.length; i++) {
                inner *= shape[i];
            }
            outer = channels * inner == 0 ? 0 : data.length / (channels * inner);
        } else {
            inner = data.length;
        }
        float[] lo = new float[channels];
        float[] hi = new float[channels];
        QuantScheme one = scheme.perTensor();
        int in = inner;
        int out = outer;
        Parallel.forRange(channels, 1, (a, b) -> {
            float[] values = new float[out * in];
            for (int c = a; c < b; c++) {
                int n = 0;
                for (int o = 0; o < out; o++) {
                    int base = (o * channels + c) * in;
                    for (int k = 0; k < in; k++) {
                        float v = data[base + k];
                        if (Float.isFinite(v)) {
                            values[n++] = v;
                        }
                    }
                }
                float l = mm.mins()[c];
                float h = mm.maxs()[c];
                if (one.symmetric()) {
                    h = mm.amax(c);
                    l = -h;
                }
                double bestErr = Double.POSITIVE_INFINITY;
                lo[c] = l;
                hi[c] = h;
                for (int step = 0; step < MSE_STEPS; step++) {
                    float r = (100 - step) / 100f;
                    QuantParams p = QuantParams.fromRange(one, l * r, h * r);
                    double err = squaredError(values, n, p);
                    if (err < bestErr) {
                        bestErr = err;
                        lo[c] = l * r;
                        hi[c] = h * r;
                    }
                }
            }
        });
        if (!scheme.perChannel() && channels != 1) {
            throw new LowbitException("internal: per-tensor weight range has " + channels + " channels");
        }
        return new Ranges(lo, hi, mm.nonFinite());
    }

    private static double squaredError(float[] v, int n, QuantParams p) {
        float s = p.scales()[0];
        int z = p.zeroPoints()[0];
        int qmin = p.scheme().qmin();
        int qmax = p.scheme().qmax();
        double sum = 0;
        for (int i = 0; i < n; i++) {
            double d = v[i] - FakeQuant.reference(v[i], s, z, qmin, qmax);
            sum += d * d;
        }
        return sum;
    }
}
