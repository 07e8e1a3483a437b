package dev.lowbit.ops;

import dev.lowbit.exec.OpContext;
import dev.lowbit.exec.OpRegistry;
import dev.lowbit.UnsupportedOpException;
import dev.lowbit.tensor.DType;
import dev.lowbit.tensor.Tensor;
import dev.lowbit.tensor.kernels.UnaryMath;
import dev.lowbit.tensor.kernels.UnaryFloatKernels;
import dev.lowbit.tensor.kernels.UnaryFloatKernels.Kind;
import java.util.function.DoubleUnaryOperator;
import java.util.function.LongUnaryOperator;

/**
 * Activation functions. float32 inputs of the common ones run on the vector kernels of
 * {@link UnaryFloatKernels}; other floating types use the double definitions here. Softmax,
 * LogSoftmax and Hardmax live in {@link SoftmaxOps}.
 */
public final class ActivationOps implements OpRegistry.Family {
    @Override
    public void register(OpRegistry r) {
        r.register("Relu", ctx -> in -> new Tensor[] {apply(in[0], Kind.RELU, 0, 0, x -> Math.max(x, 0),
                x -> Math.max(x, 0))});
        r.register("LeakyRelu", ctx -> {
            float alpha = ctx.node().getFloat("alpha", 0.01f);
            return in -> new Tensor[] {apply(in[0], Kind.LEAKY_RELU, alpha, 0, x -> x < 0 ? alpha * x : x, null)};
        });
        r.register("Sigmoid", ctx -> in -> new Tensor[] {apply(in[0], Kind.SIGMOID, 0, 0,
                x -> 1 / (1 + Math.exp(-x)), null)});
        r.register("HardSigmoid", ctx -> {
            float alpha = ctx.node().getFloat("alpha", 0.2f);
            float beta = ctx.node().getFloat("beta", 0.5f);
            return in -> new Tensor[] {apply(in[0], Kind.HARD_SIGMOID, alpha, beta,
                    x -> Math.min(Math.max(alpha * x + beta, 0), 1), null)};
        });
        r.register("HardSwish", ctx -> in -> new Tensor[] {apply(in[0], Kind.HARD_SWISH, 0, 0,
                x -> x * Math.min(Math.max(x / 6 + 0.5, 0), 1), null)});
        r.register("Tanh", ctx -> in -> new Tensor[] {apply(in[0], Kind.TANH, 0, 0, Math::tanh, null)});
        r.register("Elu", ctx -> {
            double alpha = ctx.node().getFloat("alpha", 1f);
            return in -> new Tensor[] {apply(in[0], null, 0, 0, x -> x < 0 ? alpha * Math.expm1(x) : x, null)};
        });
        r.register("Selu", ctx -> {
            double alpha = ctx.node().getFloat("alpha", 1.67326319217681884765625f);
            double gamma = ctx.node().getFloat("gamma", 1.05070102214813232421875f);
            return in -> new Tensor[] {apply(in[0], null, 0, 0,
                    x -> x > 0 ? gamma * x : gamma * alpha * Math.expm1(x), null)};
        });
        r.register("Celu", ctx -> {
            double alpha = ctx.node().getFloat("alpha", 1f);
            return in -> new Tensor[] {apply(in[0], null, 0, 0,
                    x -> Math.max(0, x) + Math.min(0, alpha * Math.expm1(x / alpha)), null)};
        });
        r.register("Softplus", ctx -> in -> new Tensor[] {apply(in[0], null, 0, 0, ActivationOps::softplus, null)});
        r.register("Softsign", ctx -> in -> new Tensor[] {apply(in[0], null, 0, 0, x -> x / (1 + Math.abs(x)), null)});
        r.register("ThresholdedRelu", ctx -> {
            double alpha = ctx.node().getFloat("alpha", 1f);
            return in -> new Tensor[] {apply(in[0], null, 0, 0, x -> x > alpha ? x : 0, null)};
        });
        r.register("Mish", ctx -> in -> new Tensor[] {apply(in[0], null, 0, 0, x -> x * Math.tanh(softplus(x)), null)});
        r.register("Gelu", ctx -> {
            String approx = ctx.node().getString("approximate", "none");
            return switch (approx) {
                case "none" -> in -> new Tensor[] {apply(in[0], Kind.GELU, 0, 0,
                        x -> 0.5 * x * (1 + UnaryMath.erf(x / Math.sqrt(2))), null)};
                case "tanh" -> in -> new Tensor[] {apply(in[0], Kind.GELU_TANH, 0, 0,
                        x -> 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x))), null)};
                default -> throw ctx.unsupported("approximate='" + approx + "'");
            };
        });
        r.register("Clip", ActivationOps::clip);
        new SoftmaxOps().register(r);
    }

    /** log(1 + e^x) without overflow for large x. */
    static double softplus(double x) {
        return x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x));
    }

    /**
     * Applies an activation: the vector kernel {@code kind} for float32 (when not null), {@code fp}
     * for other floating types, {@code ints} (when not null) for signed integer types.
     */
    static Tensor apply(Tensor x, Kind kind, float p1, float p2, DoubleUnaryOperator fp, LongUnaryOperator ints) {
        if (x.dtype() == DType.FLOAT && kind != null) {
            return Tensor.wrap(DType.FLOAT, x.shapeRef(), UnaryFloatKernels.apply(kind, x.floats(), p1, p2));
        }
        if (x.dtype().isUnsigned()) {
            throw new UnsupportedOpException("unsupported data type " + x.dtype().onnxName());
        }
        return UnaryOps.map("activation", x, fp, ints, null);
    }

    /** Clip: min/max attributes before opset 11, optional scalar inputs from 11 on (integer types from 12). */
    private static dev.lowbit.exec.Op clip(OpContext ctx) {
        if (ctx.opset() < 11) {
            float lo = ctx.node().getFloat("min", Float.NEGATIVE_INFINITY);
            float hi = ctx.node().getFloat("max", Float.POSITIVE_INFINITY);
            return in -> new Tensor[] {clip(in[0], lo, hi)};
        }
        return in -> {
            Tensor x = in[0];
            Tensor lo = in.length > 1 ? in[1] : null;
            Tensor hi = in.length > 2 ? in[2] : null;
            for (Tensor b : new Tensor[] {lo, hi}) {
                if (b != null && (b.dtype() != x.dtype() || b.size() != 1)) {
                    throw new IllegalArgumentException("Clip: min/max must be " + x.dtype().onnxName() + " scalars");
                }
            }
            if (x.dtype().isFloatingPoint()) {
                double l = lo == null ? Double.NEGATIVE_INFINITY : lo.getDouble(0);
                double h = hi == null ? Double.POSITIVE_INFINITY : hi.getDouble(0);
                return new Tensor[] {clip(x, l, h)};
            }
            if (!x.dtype().isInteger()) {
                throw new UnsupportedOpException("Clip: unsupported data type " + x.dtype().onnxName());
            }
            if (x.dtype() == DType.UINT64) {
                long l = lo == null ? 0 : lo.getLong(0);
                long h = hi == null ? -1L : hi.getLong(0);
                return new Tensor[] {UnaryOps.map("Clip", x, null, null,
                        v -> Long.compareUnsigned(v, l) < 0 ? l : Long.compareUnsigned(v, h) > 0 ? h : v)};
            }
            long l = lo == null ? Long.MIN_VALUE : lo.getLong(0);
            long h = hi == null ? Long.MAX_VALUE : hi.getLong(0);
            LongUnaryOperator f = v -> Math.min(Math.max(v, l), h);
            return new Tensor[] {UnaryOps.map("Clip", x, null, f, f)};
        };
    }

    private static Tensor clip(Tensor x, double lo, double hi) {
        if (x.dtype() == DType.FLOAT) {
            return Tensor.wrap(DType.FLOAT, x.shapeRef(), UnaryFloatKernels.apply(Kind.CLIP, x.floats(), (float) lo, (float) hi));
        }
        return UnaryOps.map("Clip", x, v -> Math.min(Math.max(v, lo), hi), null, null);
    }
}
