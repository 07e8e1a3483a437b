package dev.lowbit.tensor.kernels;

/** Plain-Java GEMM: the fallback when the Vector API is unavailable, with a small scalar micro-kernel. */
final class GemmScalarKernel extends GemmBlocked {
    private static final int MR = 4;
    private static final int NR = 4;

    GemmScalarKernel() {
        super(MR, NR, 256, 64, 256);
    }

    @Override
    protected void microKernel(int kb, float[] a, int aOff, float[] b, int bOff, float[] c, int cOff, int ldc,
            float alpha) {
        // One dot product per output element: simple, allocation-free, and only the fallback.
        for (int r = 0; r < MR; r++) {
            for (int j = 0; j < NR; j++) {
                float acc = 0f;
                for (int k = 0; k < kb; k++) {
                    acc += a[aOff + k * MR + r] * b[bOff + k * NR + j];
                }
                c[cOff + r * ldc + j] += alpha * acc;
            }
        }
    }

    @Override
    public String name() {
        return "scalar";
    }
}
