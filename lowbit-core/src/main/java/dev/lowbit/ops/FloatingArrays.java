package dev.lowbit.ops;

import dev.lowbit.UnsupportedOpException;
import dev.lowbit.tensor.DType;
import dev.lowbit.tensor.Tensor;

/**
 * Moves tensor data in and out of double arrays for the generic (non-float) paths of the pooling
 * and normalization families, which compute everything in double.
 */
final class FloatingArrays {
    private FloatingArrays() {
    }

    /** Fails unless {@code t} holds FLOAT, DOUBLE, FLOAT16 or BFLOAT16 values. */
    static void requireFloating(Tensor t, String op) {
        if (!t.dtype().isFloatingPoint()) {
            throw new UnsupportedOpException(op + " does not support " + t.dtype().onnxName() + " input");
        }
    }

    static double[] toDoubles(Tensor t) {
        if (t.dtype() == DType.DOUBLE) {
            return t.doubles();
        }
        double[] out = new double[t.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = t.getDouble(i);
        }
        return out;
    }

    /** A tensor of {@code dtype} holding {@code values} (rounded to the type). */
    static Tensor fromDoubles(DType dtype, int[] shape, double[] values) {
        if (dtype == DType.DOUBLE) {
            return Tensor.of(values, shape);
        }
        Tensor t = Tensor.zeros(dtype, shape);
        for (int i = 0; i < values.length; i++) {
            t.setDouble(i, values[i]);
        }
        return t;
    }
}
