package dev.lowbit.ops;

import dev.lowbit.exec.OpRegistry;
import dev.lowbit.UnsupportedOpException;
import dev.lowbit.tensor.DType;
import dev.lowbit.tensor.Tensor;
import dev.lowbit.tensor.kernels.UnaryMath;
import dev.lowbit.tensor.kernels.UnaryFloatKernels;
import java.util.function.DoubleUnaryOperator;
import java.util.function.LongUnaryOperator;

/** Unary math (Abs, Exp, trigonometry, rounding, IsNaN ...), Not, Cast and CastLike. */
final class UnaryOps implements OpRegistry.Family {
    @Override
    public void register(OpRegistry r) {
        unary(r, "Abs", Math::abs, Math::abs, x -> x);
        unary(r, "Neg", x -> -x, x -> -x, null);
        unary(r, "Sign", Math::signum, Long::signum, x -> x == 0 ? 0 : 1);
        unary(r, "Sqrt", Math::sqrt, null, null);
        unary(r, "Exp", Math::exp, null, null);
        unary(r, "Log", Math::log, null, null);
        unary(r, "Reciprocal", x -> 1 / x, null, null);
        unary(r, "Floor", Math::floor, null, null);
        unary(r, "Ceil", Math::ceil, null, null);
        unary(r, "Round", Math::rint, null, null); // rint rounds halves to even, as ONNX asks
        unary(r, "Sin", Math::sin, null, null);
        unary(r, "Cos", Math::cos, null, null);
        unary(r, "Tan", Math::tan, null, null);
        unary(r, "Asin", Math::asin, null, null);
        unary(r, "Acos", Math::acos, null, null);
        unary(r, "Atan", Math::atan, null, null);
        unary(r, "Sinh", Math::sinh, null, null);
        unary(r, "Cosh", Math::cosh, null, null);
        unary(r, "Asinh", x -> Double.isInfinite(x) ? x : Math.log(x + Math.sqrt(x * x + 1)), null, null);
        unary(r, "Acosh", x -> Math.log(x + Math.sqrt(x * x - 1)), null, null);
        unary(r, "Atanh", x -> 0.5 * Math.log((1 + x) / (1 - x)), null, null);
        r.register("Erf", ctx -> in -> new Tensor[] {in[0].dtype() == DType.FLOAT
                ? Tensor.wrap(DType.FLOAT, in[0].shapeRef(), UnaryFloatKernels.apply(UnaryFloatKernels.Kind.ERF,
                        in[0].floats(), 0, 0))
                : map("Erf", in[0], UnaryMath::erf, null, null)});
        r.register("Not", ctx -> in -> {
            if (in[0].dtype() != DType.BOOL) {
                throw new UnsupportedOpException("Not: unsupported data type " + in[0].dtype().onnxName());
            }
            boolean[] x = in[0].bools();
            boolean[] o = new boolean[x.length];
            for (int i = 0; i < x.length; i++) {
                o[i] = !x[i];
            }
            return new Tensor[] {Tensor.wrap(DType.BOOL, in[0].shapeRef(), o)};
        });
        r.register("IsNaN", ctx -> in -> new Tensor[] {test("IsNaN", in[0], Double::isNaN)});
        r.register("IsInf", ctx -> {
            boolean neg = ctx.node().getInt("detect_negative", 1) != 0;
            boolean pos = ctx.node().getInt("detect_positive", 1) != 0;
            return in -> new Tensor[] {test("IsInf", in[0],
                    x -> x == Double.POSITIVE_INFINITY && pos || x == Double.NEGATIVE_INFINITY && neg)};
        });
        r.register("Cast", ctx -> {
            if (!ctx.node().has("to")) {
                throw ctx.unsupported("Cast without a 'to' attribute");
            }
            DType to;
            try {
                to = DType.fromOnnx((int) ctx.node().getInt("to", 0));
            } catch (IllegalArgumentException e) {
                throw ctx.unsupported("cast to " + e.getMessage());
            }
            if (ctx.node().getInt("saturate", 1) != 1) {
                throw ctx.unsupported("saturate=0 (only float8 targets use it)");
            }
            boolean truncate = ctx.opset() < 19;
            return in -> new Tensor[] {CastOps.cast(in[0], to, truncate)};
        });
        r.register("CastLike", ctx -> {
            boolean truncate = ctx.opset() < 19;
            return in -> new Tensor[] {CastOps.cast(in[0], in[1].dtype(), truncate)};
        });
    }

    /** Registers a unary op: {@code fp} for floating types, {@code ints} signed, {@code unsigned} unsigned. */
    private static void unary(OpRegistry r, String name, DoubleUnaryOperator fp, LongUnaryOperator ints,
            LongUnaryOperator unsigned) {
        r.register(name, ctx -> in -> new Tensor[] {map(name, in[0], fp, ints, unsigned)});
    }

    /** Applies a unary function elementwise, keeping the type (null functions mean unsupported types). */
    static Tensor map(String name, Tensor x, DoubleUnaryOperator fp, LongUnaryOperator ints, LongUnaryOperator unsigned) {
        DType t = x.dtype();
        int n = x.size();
        Tensor out = Tensor.zeros(t, x.shapeRef());
        if (t == DType.FLOAT && fp != null) {
            float[] a = x.floats();
            float[] o = out.floats();
            for (int i = 0; i < n; i++) {
                o[i] = (float) fp.applyAsDouble(a[i]);
            }
        } else if (t == DType.DOUBLE && fp != null) {
            double[] a = x.doubles();
            double[] o = out.doubles();
            for (int i = 0; i < n; i++) {
                o[i] = fp.applyAsDouble(a[i]);
            }
        } else if (t.isFloatingPoint() && fp != null) {
            for (int i = 0; i < n; i++) {
                out.setDouble(i, fp.applyAsDouble(x.getDouble(i)));
            }
        } else if (t.isInteger() && (t.isUnsigned() ? unsigned : ints) != null) {
            LongUnaryOperator f = t.isUnsigned() ? unsigned : ints;
            for (int i = 0; i < n; i++) {
                out.setLong(i, f.applyAsLong(x.getLong(i)));
            }
        } else {
            throw new UnsupportedOpException(name + ": unsupported data type " + t.onnxName());
        }
        return out;
    }

    private static Tensor test(String name, Tensor x, java.util.function.DoublePredicate p) {
        if (!x.dtype().isFloatingPoint()) {
            throw new UnsupportedOpException(name + ": unsupported data type " + x.dtype().onnxName());
        }
        boolean[] o = new boolean[x.size()];
        for (int i = 0; i < o.length; i++) {
            o[i] = p.test(x.getDouble(i));
        }
        return Tensor.wrap(DType.BOOL, x.shapeRef(), o);
    }
}
