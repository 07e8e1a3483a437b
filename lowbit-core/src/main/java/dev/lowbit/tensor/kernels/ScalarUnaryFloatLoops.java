package dev.lowbit.tensor.kernels;

import dev.lowbit.tensor.kernels.UnaryFloatKernels.Kind;

/**
 * Float activations in plain Java: {@link UnaryFloatKernels#scalar} element by element, except erf
 * and GELU, whose definition (a double series of up to 400 terms) made a small transformer's Erf
 * nodes 40x slower than the vector loops; they use the vector loops' float approximation instead.
 */
final class ScalarUnaryFloatLoops implements UnaryFloatLoops {
    private static final float INV_SQRT2 = (float) (1 / Math.sqrt(2));

    @Override
    public void run(Kind kind, float[] x, float[] out, int start, int end, float p1, float p2) {
        switch (kind) {
            case ERF -> {
                for (int i = start; i < end; i++) {
                    out[i] = erf(x[i]);
                }
            }
            case GELU -> {
                for (int i = start; i < end; i++) {
                    float v = x[i];
                    out[i] = v * 0.5f * (1f + erf(v * INV_SQRT2));
                }
            }
            default -> {
                for (int i = start; i < end; i++) {
                    out[i] = UnaryFloatKernels.scalar(kind, x[i], p1, p2);
                }
            }
        }
    }

    /**
     * erf in float, a few ulps from the definition: the Taylor series below |x| = 0.5 (where a
     * relative error matters most) and the Numerical Recipes erfc fit (fractional error < 1.2e-7)
     * above, as the Vector API loop computes it. NaN takes the series and stays NaN.
     */
    static float erf(float x) {
        float ax = Math.abs(x);
        float x2 = x * x;
        if (!(ax >= 0.5f)) {
            float s = x2 * (-1f / 1320) + 1f / 216;
            s = s * x2 + -1f / 42;
            s = s * x2 + 1f / 10;
            s = s * x2 + -1f / 3;
            s = s * x2 + 1f;
            return s * x * UnaryMath.TWO_OVER_SQRT_PI_F;
        }
        float t = 1f / (ax * 0.5f + 1f);
        float p = t * 0.17087277f + -0.82215223f;
        p = p * t + 1.48851587f;
        p = p * t + -1.13520398f;
        p = p * t + 0.27886807f;
        p = p * t + -0.18628806f;
        p = p * t + 0.09678418f;
        p = p * t + 0.37409196f;
        p = p * t + 1.00002368f;
        p = p * t + -1.26551223f;
        float large = 1f - t * (float) Math.exp(p - x2);
        return x < 0 ? -large : large;
    }
}
