package dev.lowbit.tensor.kernels.panama;

import dev.lowbit.tensor.kernels.Int16GemmLoops;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link Int16GemmLoops} on the Vector API: a 4-row x 2-short-vector register tile. Per depth step
 * two B vectors are loaded (from wherever the row offsets say: a packed panel or an input plane) and each of the four broadcast A values feeds two int16 multiplies and
 * adds (vpmullw, vpaddw); after every run the eight int16 accumulators are sign-extended in halves
 * (S2I, vpmovsxwd) into sixteen int32 accumulators, which stay in registers across the K block
 * (8 + 16 + 2 + 1 = 27 of the 32 AVX-512 registers). The shape is {@link PanamaSpecies#FLOAT}'s, so
 * a short vector holds twice as many lanes as the float kernels' vectors.
 *
 * <p>The local zero vectors matter: starting the accumulators from static vector constants makes
 * C2 lose their exact class and call the vector methods virtually (10x slower).
 */
final class PanamaInt16GemmLoops implements Int16GemmLoops {
    private static final VectorSpecies<Short> S = PanamaSpecies.SHORT;
    private static final VectorSpecies<Integer> I = PanamaSpecies.INT;
    /** Short lanes per vector. */
    private static final int V = S.length();
    /** Int lanes per vector: half of {@link #V}. */
    private static final int W = I.length();

    @Override
    public int nr() {
        return 2 * V;
    }

    @Override
    public void microKernel(int kb, int run, short[] a, int aOff, short[] b, int bOff, int[] rows, int rOff, int[] c,
            int cOff, int ldc) {
        IntVector i00 = IntVector.zero(I), i01 = IntVector.zero(I), i02 = IntVector.zero(I), i03 = IntVector.zero(I);
        IntVector i10 = IntVector.zero(I), i11 = IntVector.zero(I), i12 = IntVector.zero(I), i13 = IntVector.zero(I);
        IntVector i20 = IntVector.zero(I), i21 = IntVector.zero(I), i22 = IntVector.zero(I), i23 = IntVector.zero(I);
        IntVector i30 = IntVector.zero(I), i31 = IntVector.zero(I), i32 = IntVector.zero(I), i33 = IntVector.zero(I);
        int ak = aOff;
        for (int k0 = 0; k0 < kb; k0 += run) {
            int k1 = Math.min(kb, k0 + run);
            ShortVector s00 = ShortVector.zero(S), s01 = ShortVector.zero(S);
            ShortVector s10 = ShortVector.zero(S), s11 = ShortVector.zero(S);
            ShortVector s20 = ShortVector.zero(S), s21 = ShortVector.zero(S);
            ShortVector s30 = ShortVector.zero(S), s31 = ShortVector.zero(S);
            for (int k = k0; k < k1; k++) {
                int bk = bOff + rows[rOff + k];
                ShortVector b0 = ShortVector.fromArray(S, b, bk);
                ShortVector b1 = ShortVector.fromArray(S, b, bk + V);
                ShortVector a0 = ShortVector.broadcast(S, a[ak + 0]);
                s00 = s00.add(b0.mul(a0));
                s01 = s01.add(b1.mul(a0));
                ShortVector a1 = ShortVector.broadcast(S, a[ak + 1]);
                s10 = s10.add(b0.mul(a1));
                s11 = s11.add(b1.mul(a1));
                ShortVector a2 = ShortVector.broadcast(S, a[ak + 2]);
                s20 = s20.add(b0.mul(a2));
                s21 = s21.add(b1.mul(a2));
                ShortVector a3 = ShortVector.broadcast(S, a[ak + 3]);
                s30 = s30.add(b0.mul(a3));
                s31 = s31.add(b1.mul(a3));
                ak += MR;
            }
            i00 = i00.add((IntVector) s00.convertShape(VectorOperators.S2I, I, 0));
            i01 = i01.add((IntVector) s00.convertShape(VectorOperators.S2I, I, 1));
            i02 = i02.add((IntVector) s01.convertShape(VectorOperators.S2I, I, 0));
            i03 = i03.add((IntVector) s01.convertShape(VectorOperators.S2I, I, 1));
            i10 = i10.add((IntVector) s10.convertShape(VectorOperators.S2I, I, 0));
            i11 = i11.add((IntVector) s10.convertShape(VectorOperators.S2I, I, 1));
            i12 = i12.add((IntVector) s11.convertShape(VectorOperators.S2I, I, 0));
            i13 = i13.add((IntVector) s11.convertShape(VectorOperators.S2I, I, 1));
            i20 = i20.add((IntVector) s20.convertShape(VectorOperators.S2I, I, 0));
            i21 = i21.add((IntVector) s20.convertShape(VectorOperators.S2I, I, 1));
            i22 = i22.add((IntVector) s21.convertShape(VectorOperators.S2I, I, 0));
            i23 = i23.add((IntVector) s21.convertShape(VectorOperators.S2I, I, 1));
            i30 = i30.add((IntVector) s30.convertShape(VectorOperators.S2I, I, 0));
            i31 = i31.add((IntVector) s30.convertShape(VectorOperators.S2I, I, 1));
            i32 = i32.add((IntVector) s31.convertShape(VectorOperators.S2I, I, 0));
            i33 = i33.add((IntVector) s31.convertShape(VectorOperators.S2I, I, 1));
        }
        IntVector.fromArray(I, c, cOff + 0 * ldc + 0 * W).add(i00).intoArray(c, cOff + 0 * ldc + 0 * W);
        IntVector.fromArray(I, c, cOff + 0 * ldc + 1 * W).add(i01).intoArray(c, cOff + 0 * ldc + 1 * W);
        IntVector.fromArray(I, c, cOff + 0 * ldc + 2 * W).add(i02).intoArray(c, cOff + 0 * ldc + 2 * W);
        IntVector.fromArray(I, c, cOff + 0 * ldc + 3 * W).add(i03).intoArray(c, cOff + 0 * ldc + 3 * W);
        IntVector.fromArray(I, c, cOff + 1 * ldc + 0 * W).add(i10).intoArray(c, cOff + 1 * ldc + 0 * W);
        IntVector.fromArray(I, c, cOff + 1 * ldc + 1 * W).add(i11).intoArray(c, cOff + 1 * ldc + 1 * W);
        IntVector.fromArray(I, c, cOff + 1 * ldc + 2 * W).add(i12).intoArray(c, cOff + 1 * ldc + 2 * W);
        IntVector.fromArray(I, c, cOff + 1 * ldc + 3 * W).add(i13).intoArray(c, cOff + 1 * ldc + 3 * W);
        IntVector.fromArray(I, c, cOff + 2 * ldc + 0 * W).add(i20).intoArray(c, cOff + 2 * ldc + 0 * W);
        IntVector.fromArray(I, c, cOff + 2 * ldc + 1 * W).add(i21).intoArray(c, cOff + 2 * ldc + 1 * W);
        IntVector.fromArray(I, c, cOff + 2 * ldc + 2 * W).add(i22).intoArray(c, cOff + 2 * ldc + 2 * W);
        IntVector.fromArray(I, c, cOff + 2 * ldc + 3 * W).add(i23).intoArray(c, cOff + 2 * ldc + 3 * W);
        IntVector.fromArray(I, c, cOff + 3 * ldc + 0 * W).add(i30).intoArray(c, cOff + 3 * ldc + 0 * W);
        IntVector.fromArray(I, c, cOff + 3 * ldc + 1 * W).add(i31).intoArray(c, cOff + 3 * ldc + 1 * W);
        IntVector.fromArray(I, c, cOff + 3 * ldc + 2 * W).add(i32).intoArray(c, cOff + 3 * ldc + 2 * W);
        IntVector.fromArray(I, c, cOff + 3 * ldc + 3 * W).add(i33).intoArray(c, cOff + 3 * ldc + 3 * W);
    }
}
