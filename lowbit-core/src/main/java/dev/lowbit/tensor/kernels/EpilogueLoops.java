package dev.lowbit.tensor.kernels;

/**
 * The row loops of {@link ConvEpilogue} and {@link Clamp}, obtained from {@link VectorizationProvider}.
 * Clamping is {@link Clamp#reference} (NaN stays NaN); lo and hi may be infinite (no clamp).
 */
public interface EpilogueLoops {
    /** dst[dOff + i] = clamp(src[sOff + i], lo, hi) for i < len (src and dst may be the same range). */
    void clamp(float[] src, int sOff, float[] dst, int dOff, int len, float lo, float hi);

    /** dst[dOff + i] = res[rOff + i] + bias for i < len. */
    void residualPlusBias(float[] dst, int dOff, int len, float bias, float[] res, int rOff);

    /** dst[dOff + i] = clamp(src[sOff + i] + bias, lo, hi) for i < len. */
    void biasClamp(float[] src, int sOff, float[] dst, int dOff, int len, float bias, float lo, float hi);

    /** dst[dOff + i] = clamp(src[sOff + i] + bias + res[rOff + i], lo, hi) for i < len. */
    void biasResidualClamp(float[] src, int sOff, float[] dst, int dOff, int len, float bias, float[] res, int rOff,
            float lo, float hi);

    /** x[off + i] += res[rOff + i] for i < len. */
    void addInPlace(float[] x, int off, int len, float[] res, int rOff);
}
