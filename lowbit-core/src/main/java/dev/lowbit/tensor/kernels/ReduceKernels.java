package dev.lowbit.tensor.kernels;

import dev.lowbit.tensor.DType;
import dev.lowbit.tensor.Shapes;
import dev.lowbit.tensor.Tensor;
import java.util.Arrays;

/**
 * Reductions over any set of axes. The input is walked once in memory order while an odometer
 * tracks the matching output slot (output strides are 0 along reduced axes). Floating types
 * accumulate in double; integer types accumulate in long (wrapping like C) for the kinds that
 * stay integral, and in double for L2 and the logarithmic ones.
 */
public final class ReduceKernels {
    /** The Reduce* flavours. */
    public enum Kind { SUM, MEAN, MAX, MIN, PROD, L1, L2, LOG_SUM, LOG_SUM_EXP, SUM_SQUARE }

    private ReduceKernels() {
    }

    /** The output shape: reduced axes become 1 (keepdims) or disappear. */
    public static int[] reducedShape(int[] shape, boolean[] reduced, boolean keepdims) {
        int[] out = new int[shape.length];
        int m = 0;
        for (int i = 0; i < shape.length; i++) {
            if (!reduced[i]) {
                out[m++] = shape[i];
            } else if (keepdims) {
                out[m++] = 1;
            }
        }
        return Arrays.copyOf(out, m);
    }

    /** Reduces {@code x} over the axes flagged in {@code reduced}; the result keeps x's type. */
    public static Tensor reduce(Kind kind, Tensor x, boolean[] reduced, boolean keepdims) {
        int[] shape = x.shapeRef();
        int[] keptShape = reducedShape(shape, reduced, true);
        int outN = Shapes.size(keptShape);
        int[] os = Shapes.strides(keptShape);
        for (int i = 0; i < shape.length; i++) {
            if (reduced[i]) {
                os[i] = 0;
            }
        }
        int count = 1;
        for (int i = 0; i < shape.length; i++) {
            if (reduced[i]) {
                count *= shape[i];
            }
        }
        DType t = x.dtype();
        int[] outShape = reducedShape(shape, reduced, keepdims);
        int[] block = contiguousBlock(shape, reduced);
        if (t == DType.FLOAT && block != null && ReduceFloatKernels.supports(kind) && count > 0) {
            return Tensor.wrap(DType.FLOAT, outShape, ReduceFloatKernels.reduce(kind, x.floats(), block[0], block[1], block[2]));
        }
        Tensor out = Tensor.zeros(t, outShape);
        boolean integral = t.isInteger() && kind != Kind.L2 && kind != Kind.LOG_SUM && kind != Kind.LOG_SUM_EXP;
        if (integral) {
            long[] acc = reduceLong(kind, x, shape, os, outN, count);
            for (int i = 0; i < outN; i++) {
                out.setLong(i, acc[i]);
            }
        } else {
            double[] acc = reduceDouble(kind, x, shape, os, outN, count);
            for (int i = 0; i < outN; i++) {
                out.setDouble(i, acc[i]);
            }
        }
        return out;
    }

    /** [outer, len, inner] when the reduced axes are one contiguous run of axes, else null. */
    static int[] contiguousBlock(int[] shape, boolean[] reduced) {
        int first = -1;
        int last = -1;
        for (int i = 0; i < shape.length; i++) {
            if (reduced[i] && shape[i] != 1) {
                first = first < 0 ? i : first;
                last = i;
            }
        }
        if (first < 0) {
            return null;
        }
        int[] b = {1, 1, 1};
        for (int i = 0; i < shape.length; i++) {
            int part = i < first ? 0 : i > last ? 2 : 1;
            if (part == 1 && !reduced[i] && shape[i] != 1) {
                return null;
            }
            b[part] *= shape[i];
        }
        return b;
    }

    /** Calls {@code v} with (input index, output index) for every input element in memory order. */
    private interface Visit {
        void at(int in, int out);
    }

    private static void walk(int[] shape, int[] os, Visit v) {
        int n = Shapes.size(shape);
        int r = shape.length;
        int[] idx = new int[r];
        int o = 0;
        for (int i = 0; i < n; i++) {
            v.at(i, o);
            for (int d = r - 1; d >= 0; d--) {
                idx[d]++;
                o += os[d];
                if (idx[d] < shape[d]) {
                    break;
                }
                o -= os[d] * shape[d];
                idx[d] = 0;
            }
        }
    }

    private static double[] reduceDouble(Kind kind, Tensor x, int[] shape, int[] os, int outN, int count) {
        double[] v = new double[x.size()];
        if (x.dtype() == DType.FLOAT) {
            float[] f = x.floats();
            for (int i = 0; i < v.length; i++) {
                v[i] = f[i];
            }
        } else {
            for (int i = 0; i < v.length; i++) {
                v[i] = x.getDouble(i);
            }
        }
        double[] acc = new double[outN];
        double init = switch (kind) {
            case PROD -> 1;
            case MAX -> Double.NEGATIVE_INFINITY;
            case MIN -> Double.POSITIVE_INFINITY;
            default -> 0;
        };
        Arrays.fill(acc, init);
        switch (kind) {
            case SUM, MEAN, LOG_SUM -> walk(shape, os, (i, o) -> acc[o] += v[i]);
            case MAX -> walk(shape, os, (i, o) -> acc[o] = Math.max(acc[o], v[i]));
            case MIN -> walk(shape, os, (i, o) -> acc[o] = Math.min(acc[o], v[i]));
            case PROD -> walk(shape, os, (i, o) -> acc[o] *= v[i]);
            case L1 -> walk(shape, os, (i, o) -> acc[o] += Math.abs(v[i]));
            case L2, SUM_SQUARE -> walk(shape, os, (i, o) -> acc[o] += v[i] * v[i]);
            case LOG_SUM_EXP -> {
                // Subtract each slice's maximum before exp so that large inputs do not overflow.
                double[] max = new double[outN];
                Arrays.fill(max, Double.NEGATIVE_INFINITY);
                walk(shape, os, (i, o) -> max[o] = Math.max(max[o], v[i]));
                walk(shape, os, (i, o) -> acc[o] += Math.exp(v[i] - max[o]));
                for (int o = 0; o < outN; o++) {
                    acc[o] = Double.isInfinite(max[o]) ? max[o] : max[o] + Math.log(acc[o]);
                }
            }
        }
        for (int o = 0; o < outN; o++) {
            acc[o] = switch (kind) {
                case MEAN -> acc[o] / count;
                case L2 -> Math.sqrt(acc[o]);
                case LOG_SUM -> Math.log(acc[o]);
                default -> acc[o];
            };
        }
        return acc;
    }

    private static long[] reduceLong(Kind kind, Tensor x, int[] shape, int[] os, int outN, int count) {
        long[] v = x.toLongArray();
        boolean u64 = x.dtype() == DType.UINT64;
        long[] acc = new long[outN];
        long init = switch (kind) {
            case PROD -> 1;
            case MAX -> u64 ? 0 : Long.MIN_VALUE;
            case MIN -> u64 ? -1L : Long.MAX_VALUE;
            default -> 0;
        };
        Arrays.fill(acc, init);
        switch (kind) {
            case SUM, MEAN -> walk(shape, os, (i, o) -> acc[o] += v[i]);
            case MAX -> walk(shape, os, (i, o) -> acc[o] = u64
                    ? (Long.compareUnsigned(v[i], acc[o]) > 0 ? v[i] : acc[o]) : Math.max(acc[o], v[i]));
            case MIN -> walk(shape, os, (i, o) -> acc[o] = u64
                    ? (Long.compareUnsigned(v[i], acc[o]) < 0 ? v[i] : acc[o]) : Math.min(acc[o], v[i]));
            case PROD -> walk(shape, os, (i, o) -> acc[o] *= v[i]);
            case L1 -> walk(shape, os, (i, o) -> acc[o] += u64 ? v[i] : Math.abs(v[i]));
            case SUM_SQUARE -> walk(shape, os, (i, o) -> acc[o] += v[i] * v[i]);
            default -> throw new IllegalStateException(kind + " is not integral");
        }
        if (kind == Kind.MEAN && count > 0) {
            for (int o = 0; o < outN; o++) {
                acc[o] = u64 ? Long.divideUnsigned(acc[o], count) : acc[o] / count;
            }
        }
        return acc;
    }
}
