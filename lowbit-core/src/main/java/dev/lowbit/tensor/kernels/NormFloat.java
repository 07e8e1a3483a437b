package dev.lowbit.tensor.kernels;

import dev.lowbit.tensor.Parallel;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Vectorised float normalization kernels: a fused per-channel scale+shift (inference
 * BatchNormalization), row normalization (LayerNormalization) and group normalization
 * (GroupNormalization, InstanceNormalization). Statistics are accumulated in vector lanes and
 * finished in double; {@link NormReference} holds the scalar double versions.
 */
public final class NormFloat {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

    private NormFloat() {
    }

    /**
     * {@code y = x * a[c] + b[c]} on a tensor viewed as outer x channels x inner. Vectorises along
     * the inner (spatial) axis, or along channels when there is no spatial extent.
     */
    public static void channelAffine(float[] x, float[] y, int outer, int channels, int inner, float[] a, float[] b) {
        if (inner == 1) {
            Parallel.forRange(outer, Math.max(1, 32768 / Math.max(1, channels)), (start, end) -> {
                for (int o = start; o < end; o++) {
                    int off = o * channels;
                    int c = 0;
                    for (int bound = S.loopBound(channels); c < bound; c += S.length()) {
                        FloatVector.fromArray(S, x, off + c)
                                .fma(FloatVector.fromArray(S, a, c), FloatVector.fromArray(S, b, c))
                                .intoArray(y, off + c);
                    }
                    for (; c < channels; c++) {
                        y[off + c] = x[off + c] * a[c] + b[c];
                    }
                }
            });
            return;
        }
        Parallel.forRange(outer * channels, Math.max(1, 32768 / inner), (start, end) -> {
            for (int plane = start; plane < end; plane++) {
                int ch = plane % channels;
                scaleShift(x, y, plane * inner, inner, a[ch], b[ch]);
            }
        });
    }

    /**
     * Normalises each of {@code rows} rows of {@code cols} elements to zero mean and unit variance,
     * then applies {@code scale} and {@code bias} (length cols; bias may be null). Writes each
     * row's mean and 1/sqrt(var + eps) to {@code meanOut}/{@code invStdOut} when they are non-null.
     */
    public static void layerNorm(float[] x, float[] y, int rows, int cols, float[] scale, float[] bias, float eps,
            float[] meanOut, float[] invStdOut) {
        Parallel.forRange(rows, Math.max(1, 16384 / Math.max(1, cols)), (start, end) -> {
            for (int r = start; r < end; r++) {
                int off = r * cols;
                float mean = (float) (PoolGlobal.sumFloat(x, off, cols) / cols);
                float invStd = (float) (1.0 / Math.sqrt(squaredDeviation(x, off, cols, mean) / cols + eps));
                if (meanOut != null) {
                    meanOut[r] = mean;
                }
                if (invStdOut != null) {
                    invStdOut[r] = invStd;
                }
                FloatVector vMean = FloatVector.broadcast(S, mean);
                FloatVector vInv = FloatVector.broadcast(S, invStd);
                int i = 0;
                for (int bound = S.loopBound(cols); i < bound; i += S.length()) {
                    FloatVector n = FloatVector.fromArray(S, x, off + i).sub(vMean).mul(vInv);
                    FloatVector sc = FloatVector.fromArray(S, scale, i);
                    FloatVector v = bias == null ? n.mul(sc) : n.fma(sc, FloatVector.fromArray(S, bias, i));
                    v.intoArray(y, off + i);
                }
                for (; i < cols; i++) {
                    float n = (x[off + i] - mean) * invStd * scale[i];
                    y[off + i] = bias == null ? n : n + bias[i];
                }
            }
        });
    }

    /**
     * Group normalization of an N x C x spatial tensor: statistics over each group of
     * {@code channels / groups} consecutive channels, then a per-channel {@code scale} and
     * {@code bias} (length C). InstanceNormalization is the case groups == channels.
     */
    public static void groupNorm(float[] x, float[] y, int batch, int channels, int spatial, int groups,
            float[] scale, float[] bias, float eps) {
        int perGroup = channels / groups;
        int groupSize = perGroup * spatial;
        Parallel.forRange(batch * groups, Math.max(1, 16384 / Math.max(1, groupSize)), (start, end) -> {
            for (int bg = start; bg < end; bg++) {
                int off = bg * groupSize;
                double mean = groupSize == 0 ? 0 : PoolGlobal.sumFloat(x, off, groupSize) / groupSize;
                double var = groupSize == 0 ? 0 : squaredDeviation(x, off, groupSize, (float) mean) / groupSize;
                double invStd = 1.0 / Math.sqrt(var + eps);
                int firstChannel = (bg % groups) * perGroup;
                for (int k = 0; k < perGroup; k++) {
                    int c = firstChannel + k;
                    double a = scale[c] * invStd;
                    scaleShift(x, y, off + k * spatial, spatial, (float) a, (float) (bias[c] - mean * a));
                }
            }
        });
    }

    /** {@code y[off..off+len) = x * a + b}. */
    static void scaleShift(float[] x, float[] y, int off, int len, float a, float b) {
        FloatVector va = FloatVector.broadcast(S, a);
        FloatVector vb = FloatVector.broadcast(S, b);
        int i = 0;
        for (int bound = S.loopBound(len); i < bound; i += S.length()) {
            FloatVector.fromArray(S, x, off + i).fma(va, vb).intoArray(y, off + i);
        }
        for (; i < len; i++) {
            y[off + i] = x[off + i] * a + b;
        }
    }

    /** Sum of (x - mean)^2 over {@code x[off, off+len)}. */
    static double squaredDeviation(float[] x, int off, int len, float mean) {
        int i = 0;
        double sum = 0;
        int bound = S.loopBound(len);
        if (bound > 0) {
            FloatVector vMean = FloatVector.broadcast(S, mean);
            FloatVector acc = FloatVector.zero(S);
            for (; i < bound; i += S.length()) {
                FloatVector d = FloatVector.fromArray(S, x, off + i).sub(vMean);
                acc = d.fma(d, acc);
            }
            sum = acc.reduceLanes(VectorOperators.ADD);
        }
        for (; i < len; i++) {
            float d = x[off + i] - mean;
            sum += d * d;
        }
        return sum;
    }
}
