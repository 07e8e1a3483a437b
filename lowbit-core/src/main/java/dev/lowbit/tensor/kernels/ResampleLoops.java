package dev.lowbit.tensor.kernels;

/**
 * Loops that resample rows, obtained from {@link VectorizationProvider}: the every-second-element
 * copy of {@link StridedRowCopy} (stride-2 convolutions' phase planes) and the weighted row blend of
 * {@link ResizeKernels} (linear and cubic resizes).
 */
public interface ResampleLoops {
    /** dst[d + j] = src[s + 2 * j] for j < n. */
    void copyEvery2(float[] src, int s, float[] dst, int d, int n);

    /**
     * dst[dstPos + i] = Σ over t < taps of w[b + t] * src[base + idx[b + t] * inner + i], for i < inner:
     * one output row of a resize along a non-innermost axis.
     */
    void blend(float[] src, int base, int inner, int[] idx, float[] w, int b, int taps, float[] dst, int dstPos);
}
