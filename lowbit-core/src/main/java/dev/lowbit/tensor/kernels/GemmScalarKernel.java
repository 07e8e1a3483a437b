package dev.lowbit.tensor.kernels;

/** Plain-Java GEMM: the fallback when the Vector API is unavailable, with a 4 x 4 register-blocked micro-kernel. */
final class GemmScalarKernel extends GemmBlocked {
    private static final int MR = 4;
    private static final int NR = 4;

    GemmScalarKernel() {
        super(MR, NR, 256, 64, 256);
    }

    /**
     * The 4 x 4 tile in 16 local accumulators, K outer: each loaded float feeds four multiply-adds
     * (one dot product per output, K inner, was several times slower). Each output sums its
     * products in k order from zero, then c += alpha * sum.
     */
    @Override
    protected void microKernel(int kb, float[] a, int aOff, float[] b, int bOff, float[] c, int cOff, int ldc,
            float alpha) {
        float c00 = 0, c01 = 0, c02 = 0, c03 = 0, c10 = 0, c11 = 0, c12 = 0, c13 = 0;
        float c20 = 0, c21 = 0, c22 = 0, c23 = 0, c30 = 0, c31 = 0, c32 = 0, c33 = 0;
        for (int k = 0, ak = aOff, bk = bOff; k < kb; k++, ak += MR, bk += NR) {
            float a0 = a[ak], a1 = a[ak + 1], a2 = a[ak + 2], a3 = a[ak + 3];
            float b0 = b[bk], b1 = b[bk + 1], b2 = b[bk + 2], b3 = b[bk + 3];
            c00 += a0 * b0; c01 += a0 * b1; c02 += a0 * b2; c03 += a0 * b3;
            c10 += a1 * b0; c11 += a1 * b1; c12 += a1 * b2; c13 += a1 * b3;
            c20 += a2 * b0; c21 += a2 * b1; c22 += a2 * b2; c23 += a2 * b3;
            c30 += a3 * b0; c31 += a3 * b1; c32 += a3 * b2; c33 += a3 * b3;
        }
        addRow(c, cOff, alpha, c00, c01, c02, c03);
        addRow(c, cOff + ldc, alpha, c10, c11, c12, c13);
        addRow(c, cOff + 2 * ldc, alpha, c20, c21, c22, c23);
        addRow(c, cOff + 3 * ldc, alpha, c30, c31, c32, c33);
    }

    private static void addRow(float[] c, int o, float alpha, float v0, float v1, float v2, float v3) {
        c[o] += alpha * v0;
        c[o + 1] += alpha * v1;
        c[o + 2] += alpha * v2;
        c[o + 3] += alpha * v3;
    }

    @Override
    public String name() {
        return "scalar";
    }
}
