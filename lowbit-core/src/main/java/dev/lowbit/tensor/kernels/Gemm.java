package dev.lowbit.tensor.kernels;

/**
 * Single-precision GEMM facade: C[M,N] = alpha * op(A)[M,K] * op(B)[K,N] + beta * C on row-major
 * arrays with offsets and leading dimensions, where op() optionally transposes.
 *
 * <p>Operands are packed into micro-kernel panels ({@link GemmPacked}); pack a constant operand
 * once with {@link #packA}/{@link #packB} and reuse it with {@link #multiply}.
 */
public final class Gemm {
    /** A static constant, like every facade's implementation, so the JIT knows the kernel's class. */
    private static final GemmKernel KERNEL = VectorizationProvider.get().gemm();

    private Gemm() {
    }

    /** The kernel the facade uses (the default provider's). */
    public static GemmKernel kernel() {
        return KERNEL;
    }

    /** The full GEMM with the default kernel. */
    public static void gemm(boolean transA, boolean transB, int m, int n, int k, float alpha, float[] a, int aOff,
            int lda, float[] b, int bOff, int ldb, float beta, float[] c, int cOff, int ldc) {
        gemm(kernel(), transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
    }

    /** The full GEMM with an explicit kernel (tests pass the scalar one). */
    public static void gemm(GemmKernel kernel, boolean transA, boolean transB, int m, int n, int k, float alpha,
            float[] a, int aOff, int lda, float[] b, int bOff, int ldb, float beta, float[] c, int cOff, int ldc) {
        scale(beta, c, cOff, ldc, m, n);
        if (alpha == 0f || k == 0 || m == 0 || n == 0) {
            return;
        }
        Scratch scratch = SCRATCH.get();
        GemmPacked pa = GemmPacking.packA(kernel, transA, m, k, a, aOff, lda,
                scratch.a(GemmPacked.size(m, k, kernel.mr())));
        GemmPacked pb = GemmPacking.packB(kernel, transB, k, n, b, bOff, ldb,
                scratch.b(GemmPacked.size(n, k, kernel.nr())));
        kernel.multiply(pa, pb, alpha, c, cOff, ldc);
    }

    /**
     * Packs op(A) for the default kernel into this thread's scratch buffer: valid until the thread's
     * next {@code gemm} or scratch packing, for operands used once (activations), so a run does not
     * allocate a fresh panel buffer per MatMul.
     */
    public static GemmPacked packAScratch(boolean transA, int m, int k, float[] a, int aOff, int lda) {
        GemmKernel kernel = kernel();
        return GemmPacking.packA(kernel, transA, m, k, a, aOff, lda, SCRATCH.get().a(GemmPacked.size(m, k, kernel.mr())));
    }

    /** Packs op(B) for the default kernel into this thread's scratch buffer (see {@link #packAScratch}). */
    public static GemmPacked packBScratch(boolean transB, int k, int n, float[] b, int bOff, int ldb) {
        GemmKernel kernel = kernel();
        return GemmPacking.packB(kernel, transB, k, n, b, bOff, ldb, SCRATCH.get().b(GemmPacked.size(n, k, kernel.nr())));
    }

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    /** Per-thread panel buffers that grow to the largest operand seen. */
    private static final class Scratch {
        private float[] a = new float[0];
        private float[] b = new float[0];

        float[] a(int n) {
            if (a.length < n) {
                a = new float[n];
            }
            return a;
        }

        float[] b(int n) {
            if (b.length < n) {
                b = new float[n];
            }
            return b;
        }
    }

    /** Packs op(A) for the default kernel. */
    public static GemmPacked packA(boolean transA, int m, int k, float[] a, int aOff, int lda) {
        return GemmPacking.packA(kernel(), transA, m, k, a, aOff, lda, null);
    }

    /** Packs op(B) for the default kernel. */
    public static GemmPacked packB(boolean transB, int k, int n, float[] b, int bOff, int ldb) {
        return GemmPacking.packB(kernel(), transB, k, n, b, bOff, ldb, null);
    }

    /** C += alpha * A * B for operands packed for the default kernel. */
    public static void multiply(GemmPacked a, GemmPacked b, float alpha, float[] c, int cOff, int ldc) {
        kernel().multiply(a, b, alpha, c, cOff, ldc);
    }

    /** C = beta * C over an M x N window; beta 0 clears (so NaNs already in C do not survive). */
    public static void scale(float beta, float[] c, int cOff, int ldc, int m, int n) {
        if (beta == 1f) {
            return;
        }
        for (int i = 0; i < m; i++) {
            int row = cOff + i * ldc;
            if (beta == 0f) {
                java.util.Arrays.fill(c, row, row + n, 0f);
            } else {
                for (int j = 0; j < n; j++) {
                    c[row + j] *= beta;
                }
            }
        }
    }

    /** The textbook triple loop (double accumulation), the reference tests compare against. */
    public static void reference(boolean transA, boolean transB, int m, int n, int k, float alpha, float[] a,
            int aOff, int lda, float[] b, int bOff, int ldb, float beta, float[] c, int cOff, int ldc) {
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double acc = 0;
                for (int p = 0; p < k; p++) {
                    float av = transA ? a[aOff + p * lda + i] : a[aOff + i * lda + p];
                    float bv = transB ? b[bOff + j * ldb + p] : b[bOff + p * ldb + j];
                    acc += (double) av * bv;
                }
                int ci = cOff + i * ldc + j;
                c[ci] = (float) (alpha * acc + (beta == 0f ? 0.0 : (double) beta * c[ci]));
            }
        }
    }
}
