package dev.lowbit.tensor.kernels;

/**
 * The row loops of {@link PoolFloat2d}, obtained from {@link VectorizationProvider}. The interior
 * loops may stop short of their end (the plain-Java implementation does not start at all): the
 * caller finishes the remaining columns with its own scalar loop.
 */
public interface PoolLoops {
    /** row[i] = max(row[i], x[off + i]) (or row[i] + x[off + i] when not {@code max}) for i < w. */
    void combineRow(float[] x, int off, float[] row, int w, boolean max);

    /**
     * y[out + c] = max over j < kw of phases[(t % sw) * phW + t / sw + c], t = j * dw, for c < ow: the
     * horizontal max of a strided or dilated window over a row split into stride phases (phase b at
     * {@code b * phW} holds the padded columns b, b + sw, ...), each with at least 16 floats of slack.
     */
    void maxOverPhases(float[] phases, int phW, int sw, int kw, int dw, float[] y, int out, int ow);

    /**
     * y[out + c] = max of row[c - pl + j] over j < kw, for c from {@code c} on, up to {@code hi};
     * returns the first column it did not compute.
     */
    int interiorMax(float[] row, float[] y, int out, int c, int hi, int pl, int kw);

    /**
     * y[out + c] = (sum of row[c - pl + j] over j < kw) * inv, for c from {@code c} on, up to
     * {@code hi}; returns the first column it did not compute.
     */
    int interiorAverage(float[] row, float[] y, int out, int c, int hi, int pl, int kw, float inv);
}
