package dev.lowbit.ops;

import dev.lowbit.UnsupportedOpException;
import dev.lowbit.tensor.Shapes;
import dev.lowbit.tensor.Tensor;
import java.util.Arrays;

/** Small helpers shared by the data-movement op families (shape, indexing, resize/pad). */
final class ShapeUtil {
    private ShapeUtil() {
    }

    /** An integer tensor's values as ints (for shapes, axes, pads...), or null when absent. */
    static int[] ints(Tensor t) {
        if (t == null) {
            return null;
        }
        if (!t.dtype().isInteger()) {
            throw new IllegalArgumentException("expected an integer tensor, got " + t);
        }
        int[] out = new int[t.size()];
        for (int i = 0; i < out.length; i++) {
            long v = t.getLong(i);
            out[i] = v > Integer.MAX_VALUE ? Integer.MAX_VALUE : v < Integer.MIN_VALUE ? Integer.MIN_VALUE : (int) v;
        }
        return out;
    }

    /** Integer tensor values as longs, clamped nowhere (for Slice starts/ends that may be huge). */
    static long[] longs(Tensor t) {
        return t == null ? null : t.toLongArray().clone();
    }

    /** Normalises every axis against {@code rank} and rejects duplicates. */
    static int[] axes(int[] axes, int rank) {
        int[] out = new int[axes.length];
        for (int i = 0; i < axes.length; i++) {
            out[i] = Shapes.axis(axes[i], rank);
            for (int j = 0; j < i; j++) {
                if (out[j] == out[i]) {
                    throw new IllegalArgumentException("repeated axis " + axes[i] + " in " + Arrays.toString(axes));
                }
            }
        }
        return out;
    }

    /** A scalar's value as a double (first element of a one-element tensor). */
    static double scalar(Tensor t) {
        if (t.size() != 1) {
            throw new IllegalArgumentException("expected a scalar, got " + t);
        }
        return t.getDouble(0);
    }

    static int product(int[] shape, int from, int to) {
        int p = 1;
        for (int i = from; i < to; i++) {
            p *= shape[i];
        }
        return p;
    }

    static UnsupportedOpException unsupportedType(String op, Tensor t) {
        return new UnsupportedOpException(op + ": unsupported data type " + t.dtype().onnxName());
    }
}
