package dev.lowbit.grad;

import dev.lowbit.tensor.Tensor;
import dev.lowbit.tensor.kernels.UnaryMath;

/** Relu, Clip, LeakyRelu, Sigmoid, Tanh, HardSigmoid, HardSwish, Gelu (exact and tanh), Erf, Softplus. */
final class ActivationGrad implements GradRegistry.Family {
    private static final double SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);

    @Override
    public void register(GradRegistry r) {
        r.register("Relu", (s, d, n) -> ElementwiseGrad.unary(s, d, (x, y, g) -> x > 0 ? g : 0f));
        r.register("LeakyRelu", (s, d, n) -> {
            float alpha = s.node().getFloat("alpha", 0.01f);
            return ElementwiseGrad.unary(s, d, (x, y, g) -> x > 0 ? g : alpha * g);
        });
        r.register("Clip", ActivationGrad::clip);
        r.register("Sigmoid", (s, d, n) -> ElementwiseGrad.unary(s, d, (x, y, g) -> g * y * (1 - y)));
        r.register("Tanh", (s, d, n) -> ElementwiseGrad.unary(s, d, (x, y, g) -> g * (1 - y * y)));
        r.register("HardSigmoid", (s, d, n) -> {
            float alpha = s.node().getFloat("alpha", 0.2f), beta = s.node().getFloat("beta", 0.5f);
            return ElementwiseGrad.unary(s, d, (x, y, g) -> {
                float v = alpha * x + beta;
                return v > 0 && v < 1 ? alpha * g : 0f;
            });
        });
        r.register("HardSwish", (s, d, n) -> ElementwiseGrad.unary(s, d,
                (x, y, g) -> x < -3 ? 0f : x > 3 ? g : g * (x / 3 + 0.5f)));
        r.register("Gelu", (s, d, n) -> {
            boolean tanh = s.node().getString("approximate", "none").equals("tanh");
            return ElementwiseGrad.unary(s, d, (x, y, g) -> g * (float) (tanh ? geluTanhSlope(x) : geluSlope(x)));
        });
        r.register("Erf", (s, d, n) -> ElementwiseGrad.unary(s, d,
                (x, y, g) -> g * (float) (2 / Math.sqrt(Math.PI) * Math.exp(-(double) x * x))));
        r.register("Softplus", (s, d, n) -> ElementwiseGrad.unary(s, d,
                (x, y, g) -> g * (float) (1 / (1 + Math.exp(-x)))));
    }

    /** d/dx of x·Φ(x) = Φ(x) + x·φ(x). */
    static double geluSlope(double x) {
        double cdf = 0.5 * (1 + UnaryMath.erf(x / Math.sqrt(2)));
        double pdf = Math.exp(-0.5 * x * x) / Math.sqrt(2 * Math.PI);
        return cdf + x * pdf;
    }

    static double geluTanhSlope(double x) {
        double u = SQRT_2_OVER_PI * (x + 0.044715 * x * x * x);
        double t = Math.tanh(u);
        return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * SQRT_2_OVER_PI * (1 + 3 * 0.044715 * x * x);
    }

    /** The gradient passes where the input lies inside [min, max] (bounds from attributes before opset 11). */
    private static Tensor[] clip(GradOp.Saved s, Tensor[] dOut, boolean[] need) {
        float lo, hi;
        if (s.opset() < 11) {
            lo = s.node().getFloat("min", Float.NEGATIVE_INFINITY);
            hi = s.node().getFloat("max", Float.POSITIVE_INFINITY);
        } else {
            lo = s.input(1) == null ? Float.NEGATIVE_INFINITY : (float) s.input(1).getDouble(0);
            hi = s.input(2) == null ? Float.POSITIVE_INFINITY : (float) s.input(2).getDouble(0);
        }
        Tensor[] r = ElementwiseGrad.unary(s, dOut, (x, y, g) -> x >= lo && x <= hi ? g : 0f);
        return new Tensor[] {r[0], null, null};
    }
}
