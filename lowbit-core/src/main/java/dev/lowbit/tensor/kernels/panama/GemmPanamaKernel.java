package dev.lowbit.tensor.kernels.panama;

import dev.lowbit.tensor.kernels.GemmBlocked;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * GEMM on the Vector API: an 8-row x 2-vector register-blocked micro-kernel (16 accumulators plus
 * two B vectors and one broadcast A value fit the 32 registers of AVX-512). The vector width is
 * {@link PanamaSpecies#FLOAT}, fixed at class load so the JIT sees a constant species.
 */
final class GemmPanamaKernel extends GemmBlocked {
    private static final VectorSpecies<Float> S = PanamaSpecies.FLOAT;
    private static final int V = S.length();
    private static final int MR = 8;

    GemmPanamaKernel() {
        super(MR, 2 * V, 256, 64, 16 * V);
    }

    @Override
    protected void microKernel(int kb, float[] a, int aOff, float[] b, int bOff, float[] c, int cOff, int ldc,
            float alpha) {
        FloatVector c00 = FloatVector.zero(S), c01 = FloatVector.zero(S);
        FloatVector c10 = FloatVector.zero(S), c11 = FloatVector.zero(S);
        FloatVector c20 = FloatVector.zero(S), c21 = FloatVector.zero(S);
        FloatVector c30 = FloatVector.zero(S), c31 = FloatVector.zero(S);
        FloatVector c40 = FloatVector.zero(S), c41 = FloatVector.zero(S);
        FloatVector c50 = FloatVector.zero(S), c51 = FloatVector.zero(S);
        FloatVector c60 = FloatVector.zero(S), c61 = FloatVector.zero(S);
        FloatVector c70 = FloatVector.zero(S), c71 = FloatVector.zero(S);
        int ak = aOff;
        int bk = bOff;
        for (int k = 0; k < kb; k++) {
            FloatVector b0 = FloatVector.fromArray(S, b, bk);
            FloatVector b1 = FloatVector.fromArray(S, b, bk + V);
            FloatVector a0 = FloatVector.broadcast(S, a[ak + 0]);
            c00 = a0.fma(b0, c00);
            c01 = a0.fma(b1, c01);
            FloatVector a1 = FloatVector.broadcast(S, a[ak + 1]);
            c10 = a1.fma(b0, c10);
            c11 = a1.fma(b1, c11);
            FloatVector a2 = FloatVector.broadcast(S, a[ak + 2]);
            c20 = a2.fma(b0, c20);
            c21 = a2.fma(b1, c21);
            FloatVector a3 = FloatVector.broadcast(S, a[ak + 3]);
            c30 = a3.fma(b0, c30);
            c31 = a3.fma(b1, c31);
            FloatVector a4 = FloatVector.broadcast(S, a[ak + 4]);
            c40 = a4.fma(b0, c40);
            c41 = a4.fma(b1, c41);
            FloatVector a5 = FloatVector.broadcast(S, a[ak + 5]);
            c50 = a5.fma(b0, c50);
            c51 = a5.fma(b1, c51);
            FloatVector a6 = FloatVector.broadcast(S, a[ak + 6]);
            c60 = a6.fma(b0, c60);
            c61 = a6.fma(b1, c61);
            FloatVector a7 = FloatVector.broadcast(S, a[ak + 7]);
            c70 = a7.fma(b0, c70);
            c71 = a7.fma(b1, c71);
            ak += MR;
            bk += 2 * V;
        }
        FloatVector va = FloatVector.broadcast(S, alpha);
        c00.fma(va, FloatVector.fromArray(S, c, cOff + 0 * ldc)).intoArray(c, cOff + 0 * ldc);
        c01.fma(va, FloatVector.fromArray(S, c, cOff + 0 * ldc + V)).intoArray(c, cOff + 0 * ldc + V);
        c10.fma(va, FloatVector.fromArray(S, c, cOff + 1 * ldc)).intoArray(c, cOff + 1 * ldc);
        c11.fma(va, FloatVector.fromArray(S, c, cOff + 1 * ldc + V)).intoArray(c, cOff + 1 * ldc + V);
        c20.fma(va, FloatVector.fromArray(S, c, cOff + 2 * ldc)).intoArray(c, cOff + 2 * ldc);
        c21.fma(va, FloatVector.fromArray(S, c, cOff + 2 * ldc + V)).intoArray(c, cOff + 2 * ldc + V);
        c30.fma(va, FloatVector.fromArray(S, c, cOff + 3 * ldc)).intoArray(c, cOff + 3 * ldc);
        c31.fma(va, FloatVector.fromArray(S, c, cOff + 3 * ldc + V)).intoArray(c, cOff + 3 * ldc + V);
        c40.fma(va, FloatVector.fromArray(S, c, cOff + 4 * ldc)).intoArray(c, cOff + 4 * ldc);
        c41.fma(va, FloatVector.fromArray(S, c, cOff + 4 * ldc + V)).intoArray(c, cOff + 4 * ldc + V);
        c50.fma(va, FloatVector.fromArray(S, c, cOff + 5 * ldc)).intoArray(c, cOff + 5 * ldc);
        c51.fma(va, FloatVector.fromArray(S, c, cOff + 5 * ldc + V)).intoArray(c, cOff + 5 * ldc + V);
        c60.fma(va, FloatVector.fromArray(S, c, cOff + 6 * ldc)).intoArray(c, cOff + 6 * ldc);
        c61.fma(va, FloatVector.fromArray(S, c, cOff + 6 * ldc + V)).intoArray(c, cOff + 6 * ldc + V);
        c70.fma(va, FloatVector.fromArray(S, c, cOff + 7 * ldc)).intoArray(c, cOff + 7 * ldc);
        c71.fma(va, FloatVector.fromArray(S, c, cOff + 7 * ldc + V)).intoArray(c, cOff + 7 * ldc + V);
    }

    @Override
    public String name() {
        return "panama-" + S.vectorBitSize();
    }
}
