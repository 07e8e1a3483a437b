package dev.lowbit.tensor.kernels;

/**
 * The register-tiled micro-kernel of {@link Int16Gemm}, obtained from {@link VectorizationProvider}:
 * products of 16-bit operands summed in int16 lanes for runs of at most {@code run} depth steps,
 * then widened into int32. Every implementation computes the same wrapping int16/int32 arithmetic,
 * so they agree bit for bit even outside the bounds under which the result is exact.
 */
public interface Int16GemmLoops {
    /** Rows of a register tile (the width of an A panel). */
    int MR = 4;

    /** Columns of a register tile (the width of a B panel). */
    int nr();

    /**
     * For r &lt; {@link #MR} and j &lt; {@link #nr()}: {@code c[cOff + r * ldc + j] +=} the sum over
     * k &lt; kb of {@code a[aOff + k * MR + r] * b[bOff + rows[rOff + k] + j]}, where the products
     * (taken modulo 2^16) are summed in int16 (wrapping) over consecutive runs of {@code run} depth
     * steps (the last run may be shorter), each run's int16 sum then sign-extended and added in int32.
     *
     * <p>Row k of B starts at {@code rows[rOff + k]}: {@code k * nr()} for a packed B panel
     * ({@link Int16Gemm}), or the offset of a tap's window in padded input planes, which a stride-1
     * convolution reads in place ({@link Int16DirectConv}).
     */
    void microKernel(int kb, int run, short[] a, int aOff, short[] b, int bOff, int[] rows, int rOff, int[] c, int cOff,
            int ldc);
}
