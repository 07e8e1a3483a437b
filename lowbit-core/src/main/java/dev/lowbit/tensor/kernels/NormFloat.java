package dev.lowbit.tensor.kernels;

import dev.lowbit.tensor.Parallel;

/**
 * Float normalization kernels: a fused per-channel scale+shift (inference BatchNormalization), row
 * normalization (LayerNormalization) and group normalization (GroupNormalization,
 * InstanceNormalization). Rows run through the provider's {@link NormLoops}; statistics are
 * accumulated in float (vector lanes when available) and finished in double. {@link NormReference}
 * holds the scalar double versions.
 */
public final class NormFloat {
    private static final NormLoops LOOPS = VectorizationProvider.get().norm();

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
                    LOOPS.channelAffine(x, y, o * channels, channels, a, b);
                }
            });
            return;
        }
        Parallel.forRange(outer * channels, Math.max(1, 32768 / inner), (start, end) -> {
            for (int plane = start; plane < end; plane++) {
                int ch = plane % channels;
                LOOPS.scaleShift(x, y, plane * inner, inner, a[ch], b[ch]);
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
                float invStd = (float) (1.0 / Math.sqrt(LOOPS.squaredDeviation(x, off, cols, mean) / cols + eps));
                if (meanOut != null) {
                    meanOut[r] = mean;
                }
                if (invStdOut != null) {
                    invStdOut[r] = invStd;
                }
                LOOPS.normalize(x, y, off, cols, mean, invStd, scale, bias);
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
                double var = groupSize == 0 ? 0 : LOOPS.squaredDeviation(x, off, groupSize, (float) mean) / groupSize;
                double invStd = 1.0 / Math.sqrt(var + eps);
                int firstChannel = (bg % groups) * perGroup;
                for (int k = 0; k < perGroup; k++) {
                    int c = firstChannel + k;
                    double a = scale[c] * invStd;
                    LOOPS.scaleShift(x, y, off + k * spatial, spatial, (float) a, (float) (bias[c] - mean * a));
                }
            }
        });
    }
}
