package dev.lowbit.tensor.kernels;

/** Integer GEMM accumulation in plain Java: an int32 axpy per row of A and row of packed B. */
final class ScalarIntGemmLoops implements IntGemmLoops {
    @Override
    public void accumulate4(int[] aw, int aRow, int k, int p0, int p1, int[] b, int n, int c0, int c1, int[] c,
            int cRow) {
        for (int r = 0; r < 4; r++) {
            accumulate(aw, aRow + r * k, p0, p1, b, n, c0, c1, c, cRow + r * n);
        }
    }

    @Override
    public void accumulate(int[] aw, int aRow, int p0, int p1, int[] b, int n, int c0, int c1, int[] c, int cRow) {
        for (int p = p0; p < p1; p++) {
            int av = aw[aRow + p];
            if (av == 0) {
                continue;
            }
            int brow = p * n;
            for (int j = c0; j < c1; j++) {
                c[cRow + j] += av * b[brow + j];
            }
        }
    }
}
