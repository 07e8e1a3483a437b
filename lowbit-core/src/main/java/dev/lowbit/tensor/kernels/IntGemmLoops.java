package dev.lowbit.tensor.kernels;

/**
 * The int32 accumulation loops of {@link IntGemm}, obtained from {@link VectorizationProvider}.
 * Results are exact (wrapping int32), so every implementation agrees bit for bit.
 */
public interface IntGemmLoops {
    /**
     * c[cRow + r * n + j] += Σ over p in [p0, p1) of aw[aRow + r * k + p] * b[p * n + j], for the
     * four rows r < 4 and the columns j in [c0, c1).
     */
    void accumulate4(int[] aw, int aRow, int k, int p0, int p1, int[] b, int n, int c0, int c1, int[] c, int cRow);

    /** c[cRow + j] += Σ over p in [p0, p1) of aw[aRow + p] * b[p * n + j], for j in [c0, c1). */
    void accumulate(int[] aw, int aRow, int p0, int p1, int[] b, int n, int c0, int c1, int[] c, int cRow);
}
