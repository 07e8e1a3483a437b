package dev.lowbit.tensor.kernels;

import dev.lowbit.tensor.Parallel;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/** Global pooling: one value per (batch, channel) plane. Float paths vectorise along the plane. */
public final class PoolGlobal {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

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
                int off = p * size;
                int i = 0;
                float m = Float.NEGATIVE_INFINITY;
                int bound = S.loopBound(size);
                if (bound > 0) {
                    FloatVector acc = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
                    for (; i < bound; i += S.length()) {
                        acc = acc.lanewise(VectorOperators.MAX, FloatVector.fromArray(S, x, off + i));
                    }
                    m = acc.reduceLanes(VectorOperators.MAX);
                }
                for (; i < size; i++) {
                    m = Math.max(m, x[off + i]);
                }
                y[p] = m;
            }
        });
    }

    /** Sum of {@code x[off, off+len)} with vector lanes as partial sums, returned in double. */
    static double sumFloat(float[] x, int off, int len) {
        int i = 0;
        double sum = 0;
        int bound = S.loopBound(len);
        if (bound > 0) {
            FloatVector acc = FloatVector.zero(S);
            for (; i < bound; i += S.length()) {
                acc = acc.add(FloatVector.fromArray(S, x, off + i));
            }
            sum = Lanes.sum(acc);
        }
        for (; i < len; i++) {
            sum += x[off + i];
        }
        return sum;
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
