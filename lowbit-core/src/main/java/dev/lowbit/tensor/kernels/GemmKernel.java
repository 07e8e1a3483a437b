package dev.lowbit.tensor.kernels;

/**
 * One implementation of single-precision GEMM on packed operands. Implementations are obtained from
 * {@link VectorizationProvider}; callers normally use the {@link Gemm} facade.
 *
 * <p>Operands are packed once into an implementation-specific panel layout ({@link GemmPacked}), so a
 * constant operand (a weight) can be packed at model load and reused for every run.
 */
public interface GemmKernel {
    /** Rows of A processed together by the micro-kernel (the A packing granularity). */
    int mr();

    /** Columns of B processed together by the micro-kernel (the B packing granularity). */
    int nr();

    /** Depth of one cache block over K (both packings split K into blocks of this size). */
    int kc();

    /**
     * C[M,N] = alpha * A * B + C, with A and B already packed (beta has been applied to C by the
     * caller). C is row-major at {@code cOff} with leading dimension {@code ldc}.
     */
    void multiply(GemmPacked a, GemmPacked b, float alpha, float[] c, int cOff, int ldc);

    /** A short name for logs and benchmarks. */
    String name();
}
