package dev.lowbit.tensor;

/** Conversions between element types that Java's primitives lack. */
public final class DTypes {
    private DTypes() {
    }

    /** float to bfloat16 bits, rounding to nearest even (as ONNX and PyTorch do). */
    public static short floatToBfloat16(float f) {
        int bits = Float.floatToRawIntBits(f);
        if (Float.isNaN(f)) {
            return (short) 0x7FC0;
        }
        int lsb = (bits >>> 16) & 1;
        bits += 0x7FFF + lsb;
        return (short) (bits >>> 16);
    }

    /** Converts a whole tensor to {@code to}, with ONNX Cast semantics for the numeric types. */
    public static Tensor convert(Tensor t, DType to) {
        if (t.dtype() == to) {
            return t;
        }
        Tensor out = Tensor.zeros(to, t.shapeRef());
        int n = t.size();
        DType from = t.dtype();
        if (from == DType.STRING) {
            String[] s = t.strings();
            for (int i = 0; i < n; i++) {
                out.setDouble(i, Double.parseDouble(s[i]));
            }
            return out;
        }
        if (to == DType.STRING) {
            String[] s = out.strings();
            for (int i = 0; i < n; i++) {
                s[i] = from.isFloatingPoint() ? Float.toString((float) t.getDouble(i)) : Long.toString(t.getLong(i));
            }
            return out;
        }
        if (from.isFloatingPoint() && !to.isFloatingPoint() && to != DType.BOOL) {
            for (int i = 0; i < n; i++) {
                double v = t.getDouble(i);
                out.setLong(i, Double.isNaN(v) ? 0 : (long) v);
            }
        } else if (to.isFloatingPoint() || from.isFloatingPoint()) {
            for (int i = 0; i < n; i++) {
                out.setDouble(i, t.getDouble(i));
            }
        } else {
            for (int i = 0; i < n; i++) {
                out.setLong(i, t.getLong(i));
            }
        }
        return out;
    }
}
