package dev.lowbit.ops;

import dev.lowbit.tensor.DType;
import dev.lowbit.tensor.DTypes;
import dev.lowbit.tensor.Tensor;

/** ONNX Cast semantics on top of {@link DTypes#convert}, plus the string forms ONNX uses. */
final class CastOps {
    private CastOps() {
    }

    /**
     * Casts {@code x} to {@code to}. {@code truncateBfloat16}: float to bfloat16 drops the low 16 bits,
     * as ONNX's reference did before opset 19; from 19 on it rounds to nearest even.
     */
    static Tensor cast(Tensor x, DType to, boolean truncateBfloat16) {
        if (x.dtype() == to) {
            return x;
        }
        if (to == DType.BFLOAT16 && truncateBfloat16 && x.dtype().isFloatingPoint()) {
            short[] o = new short[x.size()];
            for (int i = 0; i < o.length; i++) {
                float f = (float) x.getDouble(i);
                o[i] = Float.isNaN(f) ? (short) 0x7FC0 : (short) (Float.floatToRawIntBits(f) >>> 16);
            }
            return Tensor.wrap(DType.BFLOAT16, x.shapeRef(), o);
        }
        if (x.dtype() == DType.STRING) {
            Tensor out = Tensor.zeros(to, x.shapeRef());
            String[] s = x.strings();
            for (int i = 0; i < s.length; i++) {
                if (to.isFloatingPoint()) {
                    out.setDouble(i, parseFloating(s[i]));
                } else if (to == DType.BOOL) {
                    out.setLong(i, parseFloating(s[i]) != 0 ? 1 : 0);
                } else {
                    out.setLong(i, to == DType.UINT64 ? Long.parseUnsignedLong(s[i].trim()) : Long.parseLong(s[i].trim()));
                }
            }
            return out;
        }
        if (to == DType.STRING) {
            Tensor out = Tensor.zeros(to, x.shapeRef());
            String[] s = out.strings();
            for (int i = 0; i < s.length; i++) {
                s[i] = format(x, i);
            }
            return out;
        }
        return DTypes.convert(x, to);
    }

    /** Parses numbers the way ONNX writes them, including INF, -INF and NaN. */
    static double parseFloating(String s) {
        String t = s.trim();
        return switch (t.toLowerCase(java.util.Locale.ROOT)) {
            case "inf", "+inf", "infinity", "+infinity" -> Double.POSITIVE_INFINITY;
            case "-inf", "-infinity" -> Double.NEGATIVE_INFINITY;
            case "nan", "+nan", "-nan" -> Double.NaN;
            default -> Double.parseDouble(t);
        };
    }

    /** Element {@code i} as ONNX's reference writes it (numpy str of a float32, e.g. 0.47892547, 1e-05). */
    static String format(Tensor x, int i) {
        DType t = x.dtype();
        if (t == DType.BOOL) {
            return x.bools()[i] ? "True" : "False";
        }
        if (!t.isFloatingPoint()) {
            return t == DType.UINT64 ? Long.toUnsignedString(x.getLong(i)) : Long.toString(x.getLong(i));
        }
        double v = x.getDouble(i);
        if (Double.isNaN(v)) {
            return "NaN";
        }
        if (Double.isInfinite(v)) {
            return v > 0 ? "INF" : "-INF";
        }
        // Shortest digits that round-trip at the source precision, laid out the way numpy prints them.
        String shortest = t == DType.DOUBLE ? Double.toString(v) : Float.toString((float) v);
        return numpyStyle(new java.math.BigDecimal(shortest), 16);
    }

    /** numpy's float repr: plain notation for 1e-4 <= |v| < 1e16, else d.ddde+XX; integers end in ".0". */
    static String numpyStyle(java.math.BigDecimal d, int maxPlainExponent) {
        if (d.signum() == 0) {
            return d.toString().startsWith("-") ? "-0.0" : "0.0";
        }
        d = d.stripTrailingZeros();
        int exponent = d.precision() - d.scale() - 1;
        if (exponent >= -4 && exponent < maxPlainExponent) {
            String plain = d.toPlainString();
            return plain.contains(".") ? plain : plain + ".0";
        }
        String digits = d.unscaledValue().abs().toString();
        String mantissa = digits.length() == 1 ? digits : digits.charAt(0) + "." + digits.substring(1);
        String exp = String.format(java.util.Locale.ROOT, "%02d", Math.abs(exponent));
        return (d.signum() < 0 ? "-" : "") + mantissa + "e" + (exponent < 0 ? "-" : "+") + exp;
    }
}
