package dev.lowbit.tensor.kernels;

import dev.lowbit.tensor.Parallel;

/**
 * The cache-blocking driver shared by every GEMM implementation: the output is cut into tiles of
 * whole A panels x whole B panels that run in parallel; inside a tile, K is walked in packed blocks
 * and each (A panel, B panel) pair goes to the implementation's register-blocked micro-kernel.
 * One A panel (mr x kc) stays in L1 while the B panels of the tile stream from L2.
 */
public abstract class GemmBlocked implements GemmKernel {
    private final int mr;
    private final int nr;
    private final int kc;
    /** Output tile size per parallel task, in rows and columns. */
    private final int mc;
    private final int nc;

    /** Register tile {@code mr x nr}, K blocks of {@code kc}, parallel output tiles of about {@code mc x nc}. */
    protected GemmBlocked(int mr, int nr, int kc, int mc, int nc) {
        this.mr = mr;
        this.nr = nr;
        this.kc = kc;
        this.mc = Math.max(mr, mc / mr * mr);
        this.nc = Math.max(nr, nc / nr * nr);
    }

    /** Per-thread tile for C's ragged edges (each task used to allocate one). */
    private final ThreadLocal<float[]> edgeTile = ThreadLocal.withInitial(() -> new float[mr() * nr()]);

    @Override
    public final int mr() {
        return mr;
    }

    @Override
    public final int nr() {
        return nr;
    }

    @Override
    public final int kc() {
        return kc;
    }

    /**
     * C[0..mr, 0..nr] += alpha * sum over k < kb of A panel (k, r) * B panel (k, j), for a full tile
     * of C at {@code cOff} with row stride {@code ldc}.
     */
    protected abstract void microKernel(int kb, float[] a, int aOff, float[] b, int bOff, float[] c, int cOff, int ldc,
            float alpha);

    @Override
    public final void multiply(GemmPacked a, GemmPacked b, float alpha, float[] c, int cOff, int ldc) {
        if (a.width() != mr || b.width() != nr || a.kc() != kc || b.kc() != kc) {
            throw new IllegalArgumentException("operands were packed for another GEMM kernel than " + name());
        }
        if (a.depth() != b.depth()) {
            throw new IllegalArgumentException("inner dimensions differ: A has K=" + a.depth() + ", B has K="
                    + b.depth());
        }
        int m = a.extent();
        int n = b.extent();
        int k = a.depth();
        if (m == 0 || n == 0 || k == 0) {
            return;
        }
        int mBlocks = (m + mc - 1) / mc;
        int nBlocks = (n + nc - 1) / nc;
        int tasks = mBlocks * nBlocks;
        long flops = 2L * m * n * k;
        int grain = flops < (1L << 21) ? tasks : 1;
        Parallel.forRange(tasks, grain, (t0, t1) -> {
            float[] edge = edgeTile.get();
            for (int t = t0; t < t1; t++) {
                int row0 = (t / nBlocks) * mc;
                int col0 = (t % nBlocks) * nc;
                tile(a, b, alpha, c, cOff, ldc, row0, Math.min(m, row0 + mc), col0, Math.min(n, col0 + nc), edge);
            }
        });
    }

    private void tile(GemmPacked a, GemmPacked b, float alpha, float[] c, int cOff, int ldc, int row0, int row1,
            int col0, int col1, float[] edge) {
        int k = a.depth();
        float[] ad = a.data();
        float[] bd = b.data();
        for (int p0 = 0; p0 < k; p0 += kc) {
            int kb = Math.min(kc, k - p0);
            for (int i = row0; i < row1; i += mr) {
                int aOff = a.panelOffset(p0, kb, i / mr);
                int rows = Math.min(mr, row1 - i);
                for (int j = col0; j < col1; j += nr) {
                    int bOff = b.panelOffset(p0, kb, j / nr);
                    int cols = Math.min(nr, col1 - j);
                    if (rows == mr && cols == nr) {
                        microKernel(kb, ad, aOff, bd, bOff, c, cOff + i * ldc + j, ldc, alpha);
                    } else {
                        java.util.Arrays.fill(edge, 0f);
                        microKernel(kb, ad, aOff, bd, bOff, edge, 0, nr, 1f);
                        for (int r = 0; r < rows; r++) {
                            int cRow = cOff + (i + r) * ldc + j;
                            for (int q = 0; q < cols; q++) {
                                c[cRow + q] += alpha * edge[r * nr + q];
                            }
                        }
                    }
                }
            }
        }
    }
}
