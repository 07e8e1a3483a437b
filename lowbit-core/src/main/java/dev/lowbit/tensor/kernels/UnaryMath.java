package dev.lowbit.tensor.kernels;

/** Scalar special functions Java's Math lacks: the error function, in double precision. */
public final class UnaryMath {
    static final double TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);
    /** 2/sqrt(pi) in float, for float versions of erf (the vector one). */
    public static final float TWO_OVER_SQRT_PI_F = (float) TWO_OVER_SQRT_PI;

    private UnaryMath() {
    }

    /**
     * erf(x) from the series erf(x) = 2/sqrt(pi) e^(-x^2) sum (2x^2)^n x / (1*3*...*(2n+1)),
     * whose terms are all positive (no cancellation); beyond |x| = 6 erf is +-1 in double.
     */
    public static double erf(double x) {
        double ax = Math.abs(x);
        if (ax >= 6) {
            return Math.signum(x);
        }
        double term = ax;
        double sum = ax;
        double twoX2 = 2 * ax * ax;
        for (int n = 1; n < 400 && term > sum * 1e-17; n++) {
            term *= twoX2 / (2 * n + 1);
            sum += term;
        }
        return Math.copySign(TWO_OVER_SQRT_PI * Math.exp(-ax * ax) * sum, x);
    }
}
