package dev.lowbit.tensor.kernels;

import dev.lowbit.tensor.Parallel;

/**
 * Global pooling: one value per (batch, channel) plane. Float paths run the provider's
 * {@link ReductionLoops} along each plane.
 */
public final class PoolGlobal {
    private static final ReductionLoops LOOPS = VectorizationProvider.get().reductions();

    private PoolGlobal() {
    }

    /** Mean of each of {@code planes} contiguous planes of {@code size} elements. */
    public static void averageFloat(float[] x, float[] y, int planes, int size) {
        Parallel.forRange(planes, Math.max(1, 32768 / Math.max(1, size)), (start, end) -> {
            for (int p = start; p < end; p++) {
                y[p] = (float) (sumFloat(x, p * size, size) / size);
            }
        });
    }

    /** Maximum of each plane (NaN if the plane holds one). */
    public static void maxFloat(float[] x, float[] y, int planes, int size) {
        Parallel.forRange(planes, Math.max(1, 32768 / Math.max(1, size)), (start, end) -> {
            for (int p = start; p < end; p++) {
                y[p] = LOOPS.max(x, p * size, size);
            }
        });
    }

    /** Sum of {@code x[off, off+len)} (with vector lanes as partial sums when available), in double. */
    static double sumFloat(float[] x, int off, int len) {
        return LOOPS.sum(x, off, len);
    }

    /** Reference for all global pools in double: mode MAX, AVERAGE or LP with exponent {@code p}. */
    public static void reference(double[] x, double[] y, int planes, int size, PoolReference.Mode mode, double p) {
        for (int pl = 0; pl < planes; pl++) {
            double acc = mode == PoolReference.Mode.MAX ? Double.NEGATIVE_INFINITY : 0;
            for (int i = 0; i < size; i++) {
                double v = x[pl * size + i];
                acc = switch (mode) {
                    case MAX -> Double.isNaN(acc) ? acc : Math.max(acc, v);
                    case AVERAGE -> acc + v;
                    case LP -> acc + Math.pow(Math.abs(v), p);
                };
            }
            y[pl] = switch (mode) {
                case MAX -> acc;
                case AVERAGE -> acc / size;
                case LP -> Math.pow(acc, 1.0 / p);
            };
        }
    }
}
