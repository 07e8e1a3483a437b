package dev.lowbit.tensor.kernels.panama;

import dev.lowbit.tensor.kernels.ConvDirectKernel;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;

/**
 * Direct convolution tiles on the Vector API: 8 filters x 2 vectors of positions in 16 accumulators,
 * the same register blocking as {@link GemmPanamaKernel}, with B loaded from the phase planes.
 */
final class ConvDirectPanama extends ConvDirectKernel {
    private static final VectorSpecies<Float> S = PanamaSpecies.FLOAT;
    private static final int V = S.length();
    /** The lanes of the quarter tile (half a vector) at a range's end. */
    private static final VectorMask<Float> QUARTER = S.indexInRange(0, V / 2);

    @Override
    public int tile() {
        return 2 * V;
    }

    @Override
    protected void tile(int depth, float[] a, int aOff, float[] src, int base, int[] offsets, float[] c, int cOff,
            int ldc) {
        FloatVector c00 = FloatVector.zero(S), c01 = FloatVector.zero(S);
        FloatVector c10 = FloatVector.zero(S), c11 = FloatVector.zero(S);
        FloatVector c20 = FloatVector.zero(S), c21 = FloatVector.zero(S);
        FloatVector c30 = FloatVector.zero(S), c31 = FloatVector.zero(S);
        FloatVector c40 = FloatVector.zero(S), c41 = FloatVector.zero(S);
        FloatVector c50 = FloatVector.zero(S), c51 = FloatVector.zero(S);
        FloatVector c60 = FloatVector.zero(S), c61 = FloatVector.zero(S);
        FloatVector c70 = FloatVector.zero(S), c71 = FloatVector.zero(S);
        int ak = aOff;
        for (int k = 0; k < depth; k++) {
            int o = base + offsets[k];
            FloatVector b0 = FloatVector.fromArray(S, src, o);
            FloatVector b1 = FloatVector.fromArray(S, src, o + V);
            FloatVector a0 = FloatVector.broadcast(S, a[ak]);
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
        }
        c00.intoArray(c, cOff);
        c01.intoArray(c, cOff + V);
        c10.intoArray(c, cOff + ldc);
        c11.intoArray(c, cOff + ldc + V);
        c20.intoArray(c, cOff + 2 * ldc);
        c21.intoArray(c, cOff + 2 * ldc + V);
        c30.intoArray(c, cOff + 3 * ldc);
        c31.intoArray(c, cOff + 3 * ldc + V);
        c40.intoArray(c, cOff + 4 * ldc);
        c41.intoArray(c, cOff + 4 * ldc + V);
        c50.intoArray(c, cOff + 5 * ldc);
        c51.intoArray(c, cOff + 5 * ldc + V);
        c60.intoArray(c, cOff + 6 * ldc);
        c61.intoArray(c, cOff + 6 * ldc + V);
        c70.intoArray(c, cOff + 7 * ldc);
        c71.intoArray(c, cOff + 7 * ldc + V);
    }

    @Override
    protected void halfTile(int depth, float[] a, int aOff, float[] src, int base, int[] offsets, float[] c, int cOff,
            int ldc) {
        FloatVector c0 = FloatVector.zero(S), c1 = FloatVector.zero(S), c2 = FloatVector.zero(S);
        FloatVector c3 = FloatVector.zero(S), c4 = FloatVector.zero(S), c5 = FloatVector.zero(S);
        FloatVector c6 = FloatVector.zero(S), c7 = FloatVector.zero(S);
        int ak = aOff;
        for (int k = 0; k < depth; k++) {
            FloatVector b = FloatVector.fromArray(S, src, base + offsets[k]);
            c0 = FloatVector.broadcast(S, a[ak]).fma(b, c0);
            c1 = FloatVector.broadcast(S, a[ak + 1]).fma(b, c1);
            c2 = FloatVector.broadcast(S, a[ak + 2]).fma(b, c2);
            c3 = FloatVector.broadcast(S, a[ak + 3]).fma(b, c3);
            c4 = FloatVector.broadcast(S, a[ak + 4]).fma(b, c4);
            c5 = FloatVector.broadcast(S, a[ak + 5]).fma(b, c5);
            c6 = FloatVector.broadcast(S, a[ak + 6]).fma(b, c6);
            c7 = FloatVector.broadcast(S, a[ak + 7]).fma(b, c7);
            ak += MR;
        }
        c0.intoArray(c, cOff);
        c1.intoArray(c, cOff + ldc);
        c2.intoArray(c, cOff + 2 * ldc);
        c3.intoArray(c, cOff + 3 * ldc);
        c4.intoArray(c, cOff + 4 * ldc);
        c5.intoArray(c, cOff + 5 * ldc);
        c6.intoArray(c, cOff + 6 * ldc);
        c7.intoArray(c, cOff + 7 * ldc);
    }

    @Override
    protected void quarterTile(int depth, float[] a, int aOff, float[] src, int base, int[] offsets, float[] c, int cOff,
            int ldc) {
        // Full-width vectors under a constant mask of the first V/2 lanes, not half-width vectors:
        // a second float species anywhere in the program makes the JDK's shared FloatVector call
        // sites (fma, add...) polymorphic, and C2 then compiled other kernels' loops with boxed
        // vectors in some JVM launches (MobileNetV2 ran 1.6x slower, allocating 130 MB per run).
        VectorMask<Float> m = QUARTER;
        FloatVector c0 = FloatVector.zero(S), c1 = FloatVector.zero(S), c2 = FloatVector.zero(S);
        FloatVector c3 = FloatVector.zero(S), c4 = FloatVector.zero(S), c5 = FloatVector.zero(S);
        FloatVector c6 = FloatVector.zero(S), c7 = FloatVector.zero(S);
        int ak = aOff;
        for (int k = 0; k < depth; k++) {
            FloatVector b = FloatVector.fromArray(S, src, base + offsets[k], m);
            c0 = FloatVector.broadcast(S, a[ak]).fma(b, c0);
            c1 = FloatVector.broadcast(S, a[ak + 1]).fma(b, c1);
            c2 = FloatVector.broadcast(S, a[ak + 2]).fma(b, c2);
            c3 = FloatVector.broadcast(S, a[ak + 3]).fma(b, c3);
            c4 = FloatVector.broadcast(S, a[ak + 4]).fma(b, c4);
            c5 = FloatVector.broadcast(S, a[ak + 5]).fma(b, c5);
            c6 = FloatVector.broadcast(S, a[ak + 6]).fma(b, c6);
            c7 = FloatVector.broadcast(S, a[ak + 7]).fma(b, c7);
            ak += MR;
        }
        c0.intoArray(c, cOff, m);
        c1.intoArray(c, cOff + ldc, m);
        c2.intoArray(c, cOff + 2 * ldc, m);
        c3.intoArray(c, cOff + 3 * ldc, m);
        c4.intoArray(c, cOff + 4 * ldc, m);
        c5.intoArray(c, cOff + 5 * ldc, m);
        c6.intoArray(c, cOff + 6 * ldc, m);
        c7.intoArray(c, cOff + 7 * ldc, m);
    }
}
