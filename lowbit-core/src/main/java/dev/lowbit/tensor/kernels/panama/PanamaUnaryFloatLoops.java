package dev.lowbit.tensor.kernels.panama;

import dev.lowbit.tensor.kernels.UnaryFloatKernels;
import dev.lowbit.tensor.kernels.UnaryFloatKernels.Kind;
import dev.lowbit.tensor.kernels.UnaryFloatLoops;
import dev.lowbit.tensor.kernels.UnaryMath;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/** Float activations on the Vector API, one loop per kind, with a scalar tail. */
final class PanamaUnaryFloatLoops implements UnaryFloatLoops {
    private static final VectorSpecies<Float> S = PanamaSpecies.FLOAT;
    private static final int L = S.length();
    private static final FloatVector ONE = FloatVector.broadcast(S, 1f);
    private static final float INV_SQRT2 = (float) (1 / Math.sqrt(2));
    private static final float SQRT_2_OVER_PI = (float) Math.sqrt(2 / Math.PI);

    @Override
    public void run(Kind kind, float[] x, float[] out, int start, int end, float p1, float p2) {
        int i = start;
        int bound = start + S.loopBound(end - start);
        switch (kind) {
            case RELU -> {
                for (; i < bound; i += L) {
                    FloatVector v = FloatVector.fromArray(S, x, i);
                    v.max(0f).intoArray(out, i);
                }
            }
            case LEAKY_RELU -> {
                for (; i < bound; i += L) {
                    FloatVector v = FloatVector.fromArray(S, x, i);
                    v.blend(v.mul(p1), v.lt(0f)).intoArray(out, i);
                }
            }
            case SIGMOID -> {
                for (; i < bound; i += L) {
                    FloatVector v = FloatVector.fromArray(S, x, i);
                    ONE.div(ONE.add(v.neg().lanewise(VectorOperators.EXP))).intoArray(out, i);
                }
            }
            case TANH -> {
                for (; i < bound; i += L) {
                    FloatVector v = FloatVector.fromArray(S, x, i);
                    v.lanewise(VectorOperators.TANH).intoArray(out, i);
                }
            }
            case CLIP -> {
                for (; i < bound; i += L) {
                    FloatVector v = FloatVector.fromArray(S, x, i);
                    v.max(p1).min(p2).intoArray(out, i);
                }
            }
            case HARD_SIGMOID -> {
                for (; i < bound; i += L) {
                    FloatVector v = FloatVector.fromArray(S, x, i);
                    v.mul(p1).add(p2).max(0f).min(1f).intoArray(out, i);
                }
            }
            case HARD_SWISH -> {
                for (; i < bound; i += L) {
                    FloatVector v = FloatVector.fromArray(S, x, i);
                    v.mul(v.mul(1f / 6).add(0.5f).max(0f).min(1f)).intoArray(out, i);
                }
            }
            case ERF -> {
                for (; i < bound; i += L) {
                    FloatVector v = FloatVector.fromArray(S, x, i);
                    erf(v).intoArray(out, i);
                }
            }
            case GELU -> {
                for (; i < bound; i += L) {
                    FloatVector v = FloatVector.fromArray(S, x, i);
                    v.mul(0.5f).mul(ONE.add(erf(v.mul(INV_SQRT2)))).intoArray(out, i);
                }
            }
            case GELU_TANH -> {
                for (; i < bound; i += L) {
                    FloatVector v = FloatVector.fromArray(S, x, i);
                    v.mul(0.5f).mul(ONE.add(v.mul(v).mul(0.044715f).add(1f).mul(v).mul(SQRT_2_OVER_PI).lanewise(VectorOperators.TANH))).intoArray(out, i);
                }
            }
        }
        for (; i < end; i++) {
            out[i] = UnaryFloatKernels.scalar(kind, x[i], p1, p2);
        }
    }

    /**
     * Vector erf, accurate to a few float ulps: the Taylor series below |x| = 0.5 (where a relative
     * error matters most) and the Numerical Recipes erfc fit (fractional error < 1.2e-7) above.
     */
    private static FloatVector erf(FloatVector x) {
        FloatVector ax = x.abs();
        FloatVector x2 = x.mul(x);
        FloatVector series = x2.mul(-1f / 1320).add(1f / 216).mul(x2).add(-1f / 42).mul(x2).add(1f / 10)
                .mul(x2).add(-1f / 3).mul(x2).add(1f).mul(x).mul(UnaryMath.TWO_OVER_SQRT_PI_F);
        FloatVector t = ONE.div(ax.mul(0.5f).add(1f));
        FloatVector p = t.mul(0.17087277f).add(-0.82215223f).mul(t).add(1.48851587f).mul(t).add(-1.13520398f)
                .mul(t).add(0.27886807f).mul(t).add(-0.18628806f).mul(t).add(0.09678418f).mul(t)
                .add(0.37409196f).mul(t).add(1.00002368f).mul(t).add(-1.26551223f);
        FloatVector erfc = t.mul(p.sub(x2).lanewise(VectorOperators.EXP));
        FloatVector large = ONE.sub(erfc);
        large = large.blend(large.neg(), x.lt(0f));
        // NaN stays NaN: the compare is false for NaN lanes, which keep the (NaN) series value.
        return series.blend(large, ax.compare(VectorOperators.GE, 0.5f));
    }
}
