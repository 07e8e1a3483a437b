package dev.lowbit.tensor.kernels;

/**
 * Statistics of float runs for calibration and PTQ: the finite range an observer records and the
 * dot products a cosine similarity needs. Runs on the provider's {@link ReductionLoops}.
 */
public final class FloatStats {
    private static final ReductionLoops LOOPS = VectorizationProvider.get().reductions();

    private FloatStats() {
    }

    /**
     * Folds the finite values of {@code a[off, off+len)} into {@code acc[0]} (min) and
     * {@code acc[1]} (max); returns how many values were NaN or infinite.
     */
    public static long minMaxFinite(float[] a, int off, int len, float[] acc) {
        return LOOPS.minMaxFinite(a, off, len, acc);
    }

    /**
     * Adds Σ r·t, Σ r² and Σ t² over {@code [off, off+len)} into {@code acc[0..2]}, accumulated in
     * float: keep runs to a few hundred elements and carry longer sums in double.
     */
    public static void dotAndSquares(float[] r, float[] t, int off, int len, double[] acc) {
        LOOPS.dotAndSquares(r, t, off, len, acc);
    }
}
