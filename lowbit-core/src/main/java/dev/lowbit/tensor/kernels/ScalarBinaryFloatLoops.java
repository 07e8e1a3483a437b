package dev.lowbit.tensor.kernels;

import dev.lowbit.tensor.kernels.BinaryFloatKernels.Op;

/** Binary float rows in plain Java: {@link BinaryFloatKernels#scalar} element by element. */
final class ScalarBinaryFloatLoops implements BinaryFloatLoops {
    @Override
    public void row(Op op, float[] a, int ao, int as, float[] b, int bo, int bs, float[] o, int oo, int n) {
        for (int i = 0; i < n; i++) {
            o[oo + i] = BinaryFloatKernels.scalar(op, a[ao + i * as], b[bo + i * bs]);
        }
    }
}
