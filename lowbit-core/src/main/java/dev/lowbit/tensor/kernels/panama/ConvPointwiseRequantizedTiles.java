package dev.lowbit.tensor.kernels.panama;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The tiles of {@link ConvPointwisePanama#blocked} for quantized convolutions: the same register
 * tiles (8 positions x 1 or 2 output blocks), with the accumulators starting at the bias (integers,
 * so the sums stay exact whatever the order) and the requantization of
 * {@link dev.lowbit.tensor.kernels.QuantizeLoops#requantizeShifted} applied in registers before the
 * stores. Separate methods, not a flag in the float tiles: a branch between two epilogues would merge
 * the accumulators in phis the JIT compiles with boxed vectors (see PanamaEpilogueLoops), and a
 * post-pass over each stored tile cost expand layers with few input channels 30-70% more than
 * float.
 */
final class ConvPointwiseRequantizedTiles {
    private static final VectorSpecies<Float> S = PanamaSpecies.FLOAT;
    private static final int V = S.length();
    private static final float MAGIC = 12582912f; // 1.5 * 2^23

    private ConvPointwiseRequantizedTiles() {
    }

    /** 2 output blocks x 8 positions from q ({@code n} of them live), requantized. */
    static void requantizedTile2(float[] wT, int channels, float[] bias, float[] x, int xOff, int positions, int fb, int q,
            int n, float[] y, int yOff, float[] scale, float lo, float hi) {
        int last = positions - 1;
        int block = positions * V;
        int wBlock = channels * V;
        int x0 = xOff + q * V;
        int x1 = xOff + Math.min(q + 1, last) * V;
        int x2 = xOff + Math.min(q + 2, last) * V;
        int x3 = xOff + Math.min(q + 3, last) * V;
        int x4 = xOff + Math.min(q + 4, last) * V;
        int x5 = xOff + Math.min(q + 5, last) * V;
        int x6 = xOff + Math.min(q + 6, last) * V;
        int x7 = xOff + Math.min(q + 7, last) * V;
        FloatVector vb0 = FloatVector.fromArray(S, bias, (fb + 0) * V);
        FloatVector vb1 = FloatVector.fromArray(S, bias, (fb + 1) * V);
        FloatVector vs0 = FloatVector.fromArray(S, scale, (fb + 0) * V);
        FloatVector vs1 = FloatVector.fromArray(S, scale, (fb + 1) * V);
        FloatVector c00 = vb0, c01 = vb1;
        FloatVector c10 = vb0, c11 = vb1;
        FloatVector c20 = vb0, c21 = vb1;
        FloatVector c30 = vb0, c31 = vb1;
        FloatVector c40 = vb0, c41 = vb1;
        FloatVector c50 = vb0, c51 = vb1;
        FloatVector c60 = vb0, c61 = vb1;
        FloatVector c70 = vb0, c71 = vb1;
        int wk = fb * wBlock;
        for (int base = 0, c0 = 0; c0 < channels; base += block, c0 += V) {
            for (int xc = base, end = base + Math.min(V, channels - c0); xc < end; xc++) {
                FloatVector w0 = FloatVector.fromArray(S, wT, wk + 0 * wBlock);
                FloatVector w1 = FloatVector.fromArray(S, wT, wk + 1 * wBlock);
                FloatVector v0 = FloatVector.broadcast(S, x[x0 + xc]);
                c00 = w0.fma(v0, c00);
                c01 = w1.fma(v0, c01);
                FloatVector v1 = FloatVector.broadcast(S, x[x1 + xc]);
                c10 = w0.fma(v1, c10);
                c11 = w1.fma(v1, c11);
                FloatVector v2 = FloatVector.broadcast(S, x[x2 + xc]);
                c20 = w0.fma(v2, c20);
                c21 = w1.fma(v2, c21);
                FloatVector v3 = FloatVector.broadcast(S, x[x3 + xc]);
                c30 = w0.fma(v3, c30);
                c31 = w1.fma(v3, c31);
                FloatVector v4 = FloatVector.broadcast(S, x[x4 + xc]);
                c40 = w0.fma(v4, c40);
                c41 = w1.fma(v4, c41);
                FloatVector v5 = FloatVector.broadcast(S, x[x5 + xc]);
                c50 = w0.fma(v5, c50);
                c51 = w1.fma(v5, c51);
                FloatVector v6 = FloatVector.broadcast(S, x[x6 + xc]);
                c60 = w0.fma(v6, c60);
                c61 = w1.fma(v6, c61);
                FloatVector v7 = FloatVector.broadcast(S, x[x7 + xc]);
                c70 = w0.fma(v7, c70);
                c71 = w1.fma(v7, c71);
                wk += V;
            }
        }
        // Requantized in registers: times the multiplier, clamped, rounded half to even by adding
        // and removing 1.5 * 2^23 (exact: |value| <= 255 after the clamp).
        FloatVector vl = FloatVector.broadcast(S, lo);
        FloatVector vh = FloatVector.broadcast(S, hi);
        int yo = yOff + fb * block + q * V;
        c00.mul(vs0).max(vl).min(vh).add(MAGIC).sub(MAGIC).intoArray(y, yo + 0 * block + 0 * V);
        c01.mul(vs1).max(vl).min(vh).add(MAGIC).sub(MAGIC).intoArray(y, yo + 1 * block + 0 * V);
        if (n > 1) {
            c10.mul(vs0).max(vl).min(vh).add(MAGIC).sub(MAGIC).intoArray(y, yo + 0 * block + 1 * V);
            c11.mul(vs1).max(vl).min(vh).add(MAGIC).sub(MAGIC).intoArray(y, yo + 1 * block + 1 * V);
        }
        if (n > 2) {
            c20.mul(vs0).max(vl).min(vh).add(MAGIC).sub(MAGIC).intoArray(y, yo + 0 * block + 2 * V);
            c21.mul(vs1).max(vl).min(vh).add(MAGIC).sub(MAGIC).intoArray(y, yo + 1 * block + 2 * V);
        }
        if (n > 3) {
            c30.mul(vs0).max(vl).min(vh).add(MAGIC).sub(MAGIC).intoArray(y, yo + 0 * block + 3 * V);
            c31.mul(vs1).max(vl).min(vh).add(MAGIC).sub(MAGIC).intoArray(y, yo + 1 * block + 3 * V);
        }
        if (n > 4) {
            c40.mul(vs0).max(vl).min(vh).add(MAGIC).sub(MAGIC).intoArray(y, yo + 0 * block + 4 * V);
            c41.mul(vs1).max(vl).min(vh).add(MAGIC).sub(MAGIC).intoArray(y, yo + 1 * block + 4 * V);
        }
        if (n > 5) {
            c50.mul(vs0).max(vl).min(vh).add(MAGIC).sub(MAGIC).intoArray(y, yo + 0 * block + 5 * V);
            c51.mul(vs1).max(vl).min(vh).add(MAGIC).sub(MAGIC).intoArray(y, yo + 1 * block + 5 * V);
        }
        if (n > 6) {
            c60.mul(vs0).max(vl).min(vh).add(MAGIC).sub(MAGIC).intoArray(y, yo + 0 * block + 6 * V);
            c61.mul(vs1).max(vl).min(vh).add(MAGIC).sub(MAGIC).intoArray(y, yo + 1 * block + 6 * V);
        }
        if (n > 7) {
            c70.mul(vs0).max(vl).min(vh).add(MAGIC).sub(MAGIC).intoArray(y, yo + 0 * block + 7 * V);
            c71.mul(vs1).max(vl).min(vh).add(MAGIC).sub(MAGIC).intoArray(y, yo + 1 * block + 7 * V);
        }
    }

    /** 1 output block x 8 positions from q ({@code n} of them live), requantized. */
    static void requantizedTile1(float[] wT, int channels, float[] bias, float[] x, int xOff, int positions, int fb, int q,
            int n, float[] y, int yOff, float[] scale, float lo, float hi) {
        int last = positions - 1;
        int block = positions * V;
        int wBlock = channels * V;
        int x0 = xOff + q * V;
        int x1 = xOff + Math.min(q + 1, last) * V;
        int x2 = xOff + Math.min(q + 2, last) * V;
        int x3 = xOff + Math.min(q + 3, last) * V;
        int x4 = xOff + Math.min(q + 4, last) * V;
        int x5 = xOff + Math.min(q + 5, last) * V;
        int x6 = xOff + Math.min(q + 6, last) * V;
        int x7 = xOff + Math.min(q + 7, last) * V;
        FloatVector vb0 = FloatVector.fromArray(S, bias, (fb + 0) * V);
        FloatVector vs0 = FloatVector.fromArray(S, scale, (fb + 0) * V);
        FloatVector c00 = vb0;
        FloatVector c10 = vb0;
        FloatVector c20 = vb0;
        FloatVector c30 = vb0;
        FloatVector c40 = vb0;
        FloatVector c50 = vb0;
        FloatVector c60 = vb0;
        FloatVector c70 = vb0;
        int wk = fb * wBlock;
        for (int base = 0, c0 = 0; c0 < channels; base += block, c0 += V) {
            for (int xc = base, end = base + Math.min(V, channels - c0); xc < end; xc++) {
                FloatVector w0 = FloatVector.fromArray(S, wT, wk + 0 * wBlock);
                FloatVector v0 = FloatVector.broadcast(S, x[x0 + xc]);
                c00 = w0.fma(v0, c00);
                FloatVector v1 = FloatVector.broadcast(S, x[x1 + xc]);
                c10 = w0.fma(v1, c10);
                FloatVector v2 = FloatVector.broadcast(S, x[x2 + xc]);
                c20 = w0.fma(v2, c20);
                FloatVector v3 = FloatVector.broadcast(S, x[x3 + xc]);
                c30 = w0.fma(v3, c30);
                FloatVector v4 = FloatVector.broadcast(S, x[x4 + xc]);
                c40 = w0.fma(v4, c40);
                FloatVector v5 = FloatVector.broadcast(S, x[x5 + xc]);
                c50 = w0.fma(v5, c50);
                FloatVector v6 = FloatVector.broadcast(S, x[x6 + xc]);
                c60 = w0.fma(v6, c60);
                FloatVector v7 = FloatVector.broadcast(S, x[x7 + xc]);
                c70 = w0.fma(v7, c70);
                wk += V;
            }
        }
        // Requantized in registers: times the multiplier, clamped, rounded half to even by adding
        // and removing 1.5 * 2^23 (exact: |value| <= 255 after the clamp).
        FloatVector vl = FloatVector.broadcast(S, lo);
        FloatVector vh = FloatVector.broadcast(S, hi);
        int yo = yOff + fb * block + q * V;
        c00.mul(vs0).max(vl).min(vh).add(MAGIC).sub(MAGIC).intoArray(y, yo + 0 * block + 0 * V);
        if (n > 1) {
            c10.mul(vs0).max(vl).min(vh).add(MAGIC).sub(MAGIC).intoArray(y, yo + 0 * block + 1 * V);
        }
        if (n > 2) {
            c20.mul(vs0).max(vl).min(vh).add(MAGIC).sub(MAGIC).intoArray(y, yo + 0 * block + 2 * V);
        }
        if (n > 3) {
            c30.mul(vs0).max(vl).min(vh).add(MAGIC).sub(MAGIC).intoArray(y, yo + 0 * block + 3 * V);
        }
        if (n > 4) {
            c40.mul(vs0).max(vl).min(vh).add(MAGIC).sub(MAGIC).intoArray(y, yo + 0 * block + 4 * V);
        }
        if (n > 5) {
            c50.mul(vs0).max(vl).min(vh).add(MAGIC).sub(MAGIC).intoArray(y, yo + 0 * block + 5 * V);
        }
        if (n > 6) {
            c60.mul(vs0).max(vl).min(vh).add(MAGIC).sub(MAGIC).intoArray(y, yo + 0 * block + 6 * V);
        }
        if (n > 7) {
            c70.mul(vs0).max(vl).min(vh).add(MAGIC).sub(MAGIC).intoArray(y, yo + 0 * block + 7 * V);
        }
    }
}
