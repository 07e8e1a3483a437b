package dev.lowbit.tensor.kernels;

/**
 * The row loops of {@link NormFloat} and {@link SoftmaxKernels}, obtained from
 * {@link VectorizationProvider}.
 */
public interface NormLoops {
    /** y[off + c] = x[off + c] * a[c] + b[c] for c < len (a per-channel affine over a channel row). */
    void channelAffine(float[] x, float[] y, int off, int len, float[] a, float[] b);

    /** y[off + i] = x[off + i] * a + b for i < len. */
    void scaleShift(float[] x, float[] y, int off, int len, float a, float b);

    /**
     * y[off + i] = (x[off + i] - mean) * invStd * scale[i] (+ bias[i] unless bias is null) for i < len:
     * the output of one LayerNormalization row.
     */
    void normalize(float[] x, float[] y, int off, int len, float mean, float invStd, float[] scale, float[] bias);

    /** Sum of (x - mean)^2 over {@code x[off, off+len)}. */
    double squaredDeviation(float[] x, int off, int len, float mean);

    /**
     * Softmax ({@code log == false}) or log-softmax of the contiguous row {@code x[off, off+len)}
     * into {@code out} at the same offsets, subtracting the row's maximum first.
     */
    void softmaxRow(float[] x, float[] out, int off, int len, boolean log);
}
