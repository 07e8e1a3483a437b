package dev.lowbit.tensor.kernels;

/**
 * The inner loop of {@link BinaryFloatKernels}: one broadcast row of a float binary op. Implemented
 * in plain Java ({@link ScalarBinaryFloatLoops}) and on the Vector API; obtained from
 * {@link VectorizationProvider}.
 */
public interface BinaryFloatLoops {
    /**
     * {@code o[oo + i] = op(a[ao + i * as], b[bo + i * bs])} for i < n, as {@link BinaryFloatKernels#scalar}
     * defines op; the strides {@code as} and {@code bs} are 0 (a broadcast scalar) or 1.
     */
    void row(BinaryFloatKernels.Op op, float[] a, int ao, int as, float[] b, int bo, int bs, float[] o, int oo, int n);
}
