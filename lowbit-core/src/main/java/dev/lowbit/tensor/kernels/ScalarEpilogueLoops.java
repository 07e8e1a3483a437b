package dev.lowbit.tensor.kernels;

/** Convolution epilogues and clamps in plain Java. */
final class ScalarEpilogueLoops implements EpilogueLoops {
    /**
     * What the vector loops compute (Math.max and min: NaN stays NaN), without {@link Clamp#reference}'s
     * branches, which mispredict about half the time on activations; the two differ only in the sign of
     * a zero clamped against a zero bound.
     */
    private static float clamp(float v, float lo, float hi) {
        return Math.min(Math.max(v, lo), hi);
    }

    @Override
    public void clamp(float[] src, int sOff, float[] dst, int dOff, int len, float lo, float hi) {
        for (int i = 0; i < len; i++) {
            dst[dOff + i] = clamp(src[sOff + i], lo, hi);
        }
    }

    @Override
    public void residualPlusBias(float[] dst, int dOff, int len, float bias, float[] res, int rOff) {
        for (int i = 0; i < len; i++) {
            dst[dOff + i] = res[rOff + i] + bias;
        }
    }

    @Override
    public void biasClamp(float[] src, int sOff, float[] dst, int dOff, int len, float bias, float lo, float hi) {
        for (int i = 0; i < len; i++) {
            dst[dOff + i] = clamp(src[sOff + i] + bias, lo, hi);
        }
    }

    @Override
    public void biasResidualClamp(float[] src, int sOff, float[] dst, int dOff, int len, float bias, float[] res,
            int rOff, float lo, float hi) {
        for (int i = 0; i < len; i++) {
            dst[dOff + i] = clamp(src[sOff + i] + bias + res[rOff + i], lo, hi);
        }
    }

    @Override
    public void addInPlace(float[] x, int off, int len, float[] res, int rOff) {
        for (int i = 0; i < len; i++) {
            x[off + i] += res[rOff + i];
        }
    }
}
