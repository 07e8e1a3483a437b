package dev.lowbit.tensor.kernels;

import dev.lowbit.tensor.BufferPool;
import dev.lowbit.tensor.Parallel;
import java.util.Arrays;

/**
 * float32 softmax and log-softmax over the middle axis of a tensor viewed as
 * {@code [outer, len, inner]}. Contiguous rows (inner == 1, the common last-axis case) run through
 * the provider's {@link NormLoops} (Vector API loops when available); other layouts walk the inner
 * axis contiguously with scalar code.
 * Every row subtracts its maximum first so that exp never overflows.
 */
public final class SoftmaxKernels {
    private static final NormLoops LOOPS = VectorizationProvider.get().norm();

    private SoftmaxKernels() {
    }

    /** Softmax ({@code log == false}) or log-softmax of {@code x} along the middle axis, into a new array. */
    public static float[] apply(float[] x, int outer, int len, int inner, boolean log) {
        float[] out = BufferPool.floats(x.length);
        if (len == 0 || inner == 0) {
            return out;
        }
        if (inner == 1) {
            Parallel.forRange(outer, Math.max(1, 8192 / len), (s, e) -> {
                for (int o = s; o < e; o++) {
                    LOOPS.softmaxRow(x, out, o * len, len, log);
                }
            });
        } else {
            Parallel.forRange(outer, Math.max(1, 8192 / (len * inner)), (s, e) -> {
                float[] max = new float[inner];
                float[] sum = new float[inner];
                for (int o = s; o < e; o++) {
                    strided(x, out, o * len * inner, len, inner, max, sum, log);
                }
            });
        }
        return out;
    }

    /** One [len, inner] block: every inner position is its own softmax over len. */
    private static void strided(float[] x, float[] out, int base, int len, int inner, float[] max, float[] sum,
            boolean log) {
        Arrays.fill(max, Float.NEGATIVE_INFINITY);
        Arrays.fill(sum, 0f);
        for (int l = 0; l < len; l++) {
            int off = base + l * inner;
            for (int j = 0; j < inner; j++) {
                max[j] = Math.max(max[j], x[off + j]);
            }
        }
        for (int l = 0; l < len; l++) {
            int off = base + l * inner;
            for (int j = 0; j < inner; j++) {
                float e = (float) Math.exp(x[off + j] - max[j]);
                out[off + j] = e;
                sum[j] += e;
            }
        }
        for (int j = 0; j < inner; j++) {
            sum[j] = log ? (float) Math.log(sum[j]) : 1f / sum[j];
        }
        for (int l = 0; l < len; l++) {
            int off = base + l * inner;
            for (int j = 0; j < inner; j++) {
                out[off + j] = log ? (x[off + j] - max[j]) - sum[j] : out[off + j] * sum[j];
            }
        }
    }

    /** Reference: each softmax computed on its own in double. */
    public static float[] reference(float[] x, int outer, int len, int inner, boolean log) {
        double[] d = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            d[i] = x[i];
        }
        double[] r = referenceDouble(d, outer, len, inner, log);
        float[] out = BufferPool.floats(x.length);
        for (int i = 0; i < x.length; i++) {
            out[i] = (float) r[i];
        }
        return out;
    }

    /** Softmax or log-softmax in double, slice by slice (also the path for non-float32 types). */
    public static double[] referenceDouble(double[] x, int outer, int len, int inner, boolean log) {
        double[] out = new double[x.length];
        for (int o = 0; o < outer; o++) {
            for (int j = 0; j < inner; j++) {
                int base = o * len * inner + j;
                double max = Double.NEGATIVE_INFINITY;
                for (int l = 0; l < len; l++) {
                    max = Math.max(max, x[base + l * inner]);
                }
                double sum = 0;
                for (int l = 0; l < len; l++) {
                    sum += Math.exp(x[base + l * inner] - max);
                }
                for (int l = 0; l < len; l++) {
                    double v = x[base + l * inner] - max;
                    out[base + l * inner] = log ? v - Math.log(sum) : Math.exp(v) / sum;
                }
            }
        }
        return out;
    }
}
