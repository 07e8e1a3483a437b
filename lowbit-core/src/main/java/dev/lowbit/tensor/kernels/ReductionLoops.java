package dev.lowbit.tensor.kernels;

/**
 * Float reductions over contiguous runs, obtained from {@link VectorizationProvider}: the inner
 * loops of {@link PoolGlobal}, {@link ReduceFloatKernels} and {@link FloatStats}. Vector
 * implementations keep partial sums in lanes and add them up in a fixed order, so results do not
 * change from run to run.
 */
public interface ReductionLoops {
    /** Sum of {@code x[off, off+len)}, returned in double. */
    double sum(float[] x, int off, int len);

    /** Maximum of {@code x[off, off+len)} (NaN if the run holds one; -inf if it is empty). */
    float max(float[] x, int off, int len);

    /**
     * The float accumulator of {@code kind} over {@code x[off, off+len)} before its final step (no
     * division for MEAN, no square root for L2). Kinds: SUM, MEAN, MAX, MIN, SUM_SQUARE, L1, L2.
     */
    float reduce(ReduceKernels.Kind kind, float[] x, int off, int len);

    /**
     * Folds the finite values of {@code a[off, off+len)} into {@code acc[0]} (min) and {@code acc[1]}
     * (max); returns how many values were NaN or infinite.
     */
    long minMaxFinite(float[] a, int off, int len, float[] acc);

    /**
     * Adds Σ r·t, Σ r² and Σ t² over {@code [off, off+len)} into {@code acc[0..2]}, accumulated in
     * float (callers keep runs short, a few hundred elements, and carry longer sums in double).
     */
    void dotAndSquares(float[] r, float[] t, int off, int len, double[] acc);
}
