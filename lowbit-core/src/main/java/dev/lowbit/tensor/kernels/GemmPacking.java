package dev.lowbit.tensor.kernels;

import dev.lowbit.tensor.Parallel;

/** Packs strided matrices into the {@link GemmPacked} panel layout (plain Java: it is memory bound). */
public final class GemmPacking {
    private GemmPacking() {
    }

    /**
     * Packs a matrix whose element (e, d) — e along the panel extent (M of A or N of B), d along K —
     * is {@code src[off + e * extentStride + d * depthStride]}.
     *
     * @param dst a buffer of at least {@link GemmPacked#size} floats, or null to allocate one
     */
    public static GemmPacked pack(int extent, int depth, float[] src, int off, int extentStride,
            int depthStride, int width, int kc, float[] dst) {
        int need = GemmPacked.size(extent, depth, width);
        float[] out = dst != null && dst.length >= need ? dst : new float[need];
        GemmPacked p = new GemmPacked(out, extent, depth, width, kc);
        int panels = p.panels();
        long work = (long) extent * depth;
        int grain = work < (1 << 16) ? panels : Math.max(1, panels / (4 * Parallel.threads()));
        Parallel.forRange(panels, grain, (s0, s1) -> {
            for (int p0 = 0; p0 < depth; p0 += kc) {
                int kb = Math.min(kc, depth - p0);
                for (int s = s0; s < s1; s++) {
                    packPanel(p, src, off, extentStride, depthStride, p0, kb, s);
                }
            }
        });
        return p;
    }

    private static void packPanel(GemmPacked p, float[] src, int off, int es, int ds, int p0, int kb, int s) {
        float[] out = p.data();
        int w = p.width();
        int base = p.panelOffset(p0, kb, s);
        int e0 = s * w;
        int lanes = Math.min(w, p.extent() - e0);
        if (es == 1) {
            // Panel lanes are contiguous in the source: one copy per depth step.
            for (int k = 0; k < kb; k++) {
                int srcPos = off + e0 + (p0 + k) * ds;
                int dstPos = base + k * w;
                System.arraycopy(src, srcPos, out, dstPos, lanes);
                for (int r = lanes; r < w; r++) {
                    out[dstPos + r] = 0f;
                }
            }
        } else {
            for (int r = 0; r < w; r++) {
                if (r < lanes) {
                    int srcPos = off + (e0 + r) * es + p0 * ds;
                    for (int k = 0; k < kb; k++) {
                        out[base + k * w + r] = src[srcPos + k * ds];
                    }
                } else {
                    for (int k = 0; k < kb; k++) {
                        out[base + k * w + r] = 0f;
                    }
                }
            }
        }
    }

    /** Packs A[M,K] (or A^T when {@code trans}, i.e. the source is [K,M]) for {@code kernel}. */
    public static GemmPacked packA(GemmKernel kernel, boolean trans, int m, int k, float[] a, int off, int lda,
            float[] dst) {
        return trans ? pack(m, k, a, off, 1, lda, kernel.mr(), kernel.kc(), dst)
                : pack(m, k, a, off, lda, 1, kernel.mr(), kernel.kc(), dst);
    }

    /** Packs B[K,N] (or B^T when {@code trans}, i.e. the source is [N,K]) for {@code kernel}. */
    public static GemmPacked packB(GemmKernel kernel, boolean trans, int k, int n, float[] b, int off, int ldb,
            float[] dst) {
        return trans ? pack(n, k, b, off, ldb, 1, kernel.nr(), kernel.kc(), dst)
                : pack(n, k, b, off, 1, ldb, kernel.nr(), kernel.kc(), dst);
    }
}
