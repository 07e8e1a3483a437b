package dev.lowbit.ops;

import dev.lowbit.UnsupportedOpException;
import dev.lowbit.tensor.DType;
import dev.lowbit.tensor.Tensor;

/** Conversions between tensors and the plain arrays the quantization kernels work on. */
final class QuantTensors {
    private QuantTensors() {
    }

    /** True for the integer types quantized tensors may have (8/16-bit, and int32 for DequantizeLinear). */
    static boolean isQuantType(DType t) {
        return t == DType.UINT8 || t == DType.INT8 || t == DType.UINT16 || t == DType.INT16;
    }

    /** The values of an integer tensor widened to int (unsigned types zero-extended). */
    static int[] ints(Tensor t) {
        int n = t.size();
        int[] out = new int[n];
        switch (t.dtype()) {
            case UINT8 -> {
                byte[] b = t.bytes();
                for (int i = 0; i < n; i++) {
                    out[i] = b[i] & 0xFF;
                }
            }
            case INT8 -> {
                byte[] b = t.bytes();
                for (int i = 0; i < n; i++) {
                    out[i] = b[i];
                }
            }
            case UINT16 -> {
                short[] s = t.shorts();
                for (int i = 0; i < n; i++) {
                    out[i] = s[i] & 0xFFFF;
                }
            }
            case INT16 -> {
                short[] s = t.shorts();
                for (int i = 0; i < n; i++) {
                    out[i] = s[i];
                }
            }
            case INT32 -> System.arraycopy(t.ints(), 0, out, 0, n);
            default -> throw new UnsupportedOpException("quantized value of type " + t.dtype().onnxName() + " is not supported");
        }
        return out;
    }

    /** A tensor of {@code type} holding {@code values} (already within the type's range). */
    static Tensor fromInts(int[] values, DType type, int[] shape) {
        Tensor out = Tensor.zeros(type, shape);
        int n = values.length;
        switch (type) {
            case UINT8, INT8 -> {
                byte[] b = out.bytes();
                for (int i = 0; i < n; i++) {
                    b[i] = (byte) values[i];
                }
            }
            case UINT16, INT16 -> {
                short[] s = out.shorts();
                for (int i = 0; i < n; i++) {
                    s[i] = (short) values[i];
                }
            }
            case INT32 -> System.arraycopy(values, 0, out.ints(), 0, n);
            default -> throw new UnsupportedOpException("quantized output type " + type.onnxName() + " is not supported");
        }
        return out;
    }

    /** A float32 scale tensor's values; other scale types are reported unsupported. */
    static float[] scales(Tensor t, String what) {
        if (t.dtype() != DType.FLOAT) {
            throw new UnsupportedOpException(what + " of type " + t.dtype().onnxName() + " is not supported (float only)");
        }
        return t.floats();
    }

    /** An 8-bit tensor's type as u8 (true) or s8 (false); anything else is unsupported. */
    static boolean unsigned8(Tensor t, String what) {
        return switch (t.dtype()) {
            case UINT8 -> true;
            case INT8 -> false;
            default -> throw new UnsupportedOpException(what + " of type " + t.dtype().onnxName() + " is not supported (uint8/int8 only)");
        };
    }

    /** Zero points of an optional 8-bit zero-point tensor (absent = {0}); checks it matches {@code unsigned}. */
    static int[] zeroPoints8(Tensor zp, boolean unsigned, String what) {
        if (zp == null) {
            return new int[] {0};
        }
        if (unsigned8(zp, what) != unsigned) {
            throw new UnsupportedOpException(what + " type " + zp.dtype().onnxName() + " does not match its data's type");
        }
        return ints(zp);
    }

    /** A per-tensor float scale: a scalar or a one-element tensor. */
    static float scalarScale(Tensor t, String what) {
        float[] s = scales(t, what);
        if (s.length != 1) {
            throw new UnsupportedOpException(what + " with " + s.length + " values is not supported (per-tensor only)");
        }
        return s[0];
    }

    /**
     * A per-tensor zero point of the 8-bit type {@code type}: a scalar or one-element tensor of
     * that type, or absent (null: 0).
     */
    static int scalarZeroPoint(Tensor zp, DType type, String what) {
        if (zp == null) {
            return 0;
        }
        if (zp.dtype() != type || zp.size() != 1) {
            throw new UnsupportedOpException(what + " must be one " + type.onnxName() + " value, got "
                    + zp.dtype().onnxName() + " with " + zp.size() + " values");
        }
        return ints(zp)[0];
    }

    /** Requires {@code n} to be 1 or {@code full}: one value per tensor or one per channel. */
    static void checkCount(int n, int full, String what) {
        if (n != 1 && n != full) {
            throw new IllegalArgumentException(what + " has " + n + " values, expected 1 or " + full);
        }
    }
}
