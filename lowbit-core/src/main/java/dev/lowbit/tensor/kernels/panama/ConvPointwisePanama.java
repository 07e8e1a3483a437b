package dev.lowbit.tensor.kernels.panama;

import dev.lowbit.tensor.kernels.ConvPointwiseKernel;
import dev.lowbit.tensor.kernels.GemmPacked;
import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link ConvPointwiseKernel} on the Vector API: tiles of 8 output channels x 2 vectors of
 * positions (16 accumulators, as the GEMM's micro-kernel), B loaded straight from the input's
 * channel planes. Columns walk outside and weight panels inside, so a tile's input columns (K rows
 * of 2 vectors) stay in L1 while every panel passes over them.
 *
 * <p>No masked vector operation anywhere: the JIT compiles the Vector API's out-of-array fallback
 * for masked loads into the method that uses them, which measured up to 2x slower for every tile
 * (see ConvDepthwiseInPlace). Instead, a map's last partial vector is loaded whole (its extra lanes
 * read the next plane's values and are never stored), the one tile per call whose loads would run
 * past the input array reads a zero-padded copy of its columns, and partial tiles are stored
 * through a small buffer. The tile methods call no method with vector arguments: the JIT failed to
 * inline such helpers here ("callee uses too much stack") and then boxed the accumulators.
 */
final class ConvPointwisePanama extends ConvPointwiseKernel {
    private static final VectorSpecies<Float> S = PanamaSpecies.FLOAT;
    private static final int V = S.length();
    private static final int MR = 8;
    /** The residual's add and clamp after a tile (bias and clamp without a residual happen in registers). */
    private static final PanamaEpilogueLoops EPILOGUE = new PanamaEpilogueLoops();

    /** Per thread: a tile for partial stores, and the padded copy of edge columns. */
    private static final ThreadLocal<float[][]> SCRATCH = ThreadLocal.withInitial(() -> new float[][] {new float[MR * 2 * V], new float[0]});

    @Override
    public void image(GemmPacked a, int panel0, int panel1, float[] x, int xOff, int positions, float[] y, int yOff,
            float[] bias, float[] res, boolean clamp, float lo, float hi) {
        if (a.width() != MR) {
            imageScalar(a, panel0, panel1, x, xOff, positions, y, yOff, bias, res, clamp, lo, hi);
            return;
        }
        float l = clamp ? lo : Float.NEGATIVE_INFINITY;
        float h = clamp ? hi : Float.POSITIVE_INFINITY;
        float[][] scratch = SCRATCH.get();
        float[] tmp = scratch[0];
        int depth = a.depth();
        int lastRow = xOff + (depth - 1) * positions;
        for (int j = 0; j < positions; j += 2 * V) {
            int cols = Math.min(2 * V, positions - j);
            int loaded = cols > V ? 2 * V : V;
            float[] b = x;
            int bo = xOff + j;
            int ldb = positions;
            if (lastRow + j + loaded > x.length) {
                b = edgeCopy(scratch, x, xOff + j, positions, depth, cols, loaded);
                bo = 0;
                ldb = loaded;
            }
            for (int s = panel0; s < panel1; s++) {
                int rows = Math.min(MR, a.extent() - s * MR);
                int yo = yOff + s * MR * positions + j;
                if (cols > V) {
                    tile2(a, s, rows, b, bo, ldb, y, yo, positions, cols, bias, s * MR, res, l, h, tmp);
                } else {
                    tile1(a, s, rows, b, bo, ldb, y, yo, positions, cols, bias, s * MR, res, l, h, tmp);
                }
            }
        }
    }

    /**
     * Tiles of 8 positions x two output blocks (16 accumulators): per input channel two weight
     * vectors and eight broadcast inputs feed sixteen fused multiply-adds. A map's last tile repeats
     * its last position in the lanes past the end (computed, never stored).
     */
    @Override
    public void blocked(float[] wT, int channels, int lanes, float[] bias, float[] x, int xOff, int positions, int q0,
            int q1, int fb0, int fb1, float[] y, int yOff, float[] res, float[] scale, float lo, float hi) {
        if (lanes != V || (res != null && scale != null)) {
            blockedScalar(wT, channels, lanes, bias, x, xOff, positions, q0, q1, fb0, fb1, y, yOff, res, scale, lo, hi);
            return;
        }
        for (int fb = fb0; fb < fb1; fb += 2) {
            for (int q = q0; q < q1; q += 8) {
                int n = Math.min(8, q1 - q);
                if (scale != null && fb + 1 < fb1) {
                    ConvPointwiseRequantizedTiles.requantizedTile2(wT, channels, bias, x, xOff, positions, fb, q, n, y,
                            yOff, scale, lo, hi);
                } else if (scale != null) {
                    ConvPointwiseRequantizedTiles.requantizedTile1(wT, channels, bias, x, xOff, positions, fb, q, n, y,
                            yOff, scale, lo, hi);
                } else if (fb + 1 < fb1) {
                    blockedTile2(wT, channels, bias, x, xOff, positions, fb, q, n, y, yOff, res, lo, hi);
                } else {
                    blockedTile1(wT, channels, bias, x, xOff, positions, fb, q, n, y, yOff, res, lo, hi);
                }
            }
        }
    }

    /** 2 output blocks x 8 positions from q ({@code n} of them live). */
    private static void blockedTile2(float[] wT, int channels, float[] bias, float[] x, int xOff, int positions, int fb, int q,
            int n, float[] y, int yOff, float[] res, float lo, float hi) {
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
        FloatVector c00 = FloatVector.zero(S), c01 = FloatVector.zero(S);
        FloatVector c10 = FloatVector.zero(S), c11 = FloatVector.zero(S);
        FloatVector c20 = FloatVector.zero(S), c21 = FloatVector.zero(S);
        FloatVector c30 = FloatVector.zero(S), c31 = FloatVector.zero(S);
        FloatVector c40 = FloatVector.zero(S), c41 = FloatVector.zero(S);
        FloatVector c50 = FloatVector.zero(S), c51 = FloatVector.zero(S);
        FloatVector c60 = FloatVector.zero(S), c61 = FloatVector.zero(S);
        FloatVector c70 = FloatVector.zero(S), c71 = FloatVector.zero(S);
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
        // Bias and (without a residual) the clamp in registers; a residual is added after the stores.
        FloatVector vl = FloatVector.broadcast(S, res == null ? lo : Float.NEGATIVE_INFINITY);
        FloatVector vh = FloatVector.broadcast(S, res == null ? hi : Float.POSITIVE_INFINITY);
        FloatVector vb0 = FloatVector.fromArray(S, bias, (fb + 0) * V);
        FloatVector vb1 = FloatVector.fromArray(S, bias, (fb + 1) * V);
        int yo = yOff + fb * block + q * V;
        c00.add(vb0).max(vl).min(vh).intoArray(y, yo + 0 * block + 0 * V);
        c01.add(vb1).max(vl).min(vh).intoArray(y, yo + 1 * block + 0 * V);
        if (n > 1) {
            c10.add(vb0).max(vl).min(vh).intoArray(y, yo + 0 * block + 1 * V);
            c11.add(vb1).max(vl).min(vh).intoArray(y, yo + 1 * block + 1 * V);
        }
        if (n > 2) {
            c20.add(vb0).max(vl).min(vh).intoArray(y, yo + 0 * block + 2 * V);
            c21.add(vb1).max(vl).min(vh).intoArray(y, yo + 1 * block + 2 * V);
        }
        if (n > 3) {
            c30.add(vb0).max(vl).min(vh).intoArray(y, yo + 0 * block + 3 * V);
            c31.add(vb1).max(vl).min(vh).intoArray(y, yo + 1 * block + 3 * V);
        }
        if (n > 4) {
            c40.add(vb0).max(vl).min(vh).intoArray(y, yo + 0 * block + 4 * V);
            c41.add(vb1).max(vl).min(vh).intoArray(y, yo + 1 * block + 4 * V);
        }
        if (n > 5) {
            c50.add(vb0).max(vl).min(vh).intoArray(y, yo + 0 * block + 5 * V);
            c51.add(vb1).max(vl).min(vh).intoArray(y, yo + 1 * block + 5 * V);
        }
        if (n > 6) {
            c60.add(vb0).max(vl).min(vh).intoArray(y, yo + 0 * block + 6 * V);
            c61.add(vb1).max(vl).min(vh).intoArray(y, yo + 1 * block + 6 * V);
        }
        if (n > 7) {
            c70.add(vb0).max(vl).min(vh).intoArray(y, yo + 0 * block + 7 * V);
            c71.add(vb1).max(vl).min(vh).intoArray(y, yo + 1 * block + 7 * V);
        }
        if (res != null) {
            addResidual(y, yo + 0 * block, 1, 1, n * V, res, lo, hi);
            addResidual(y, yo + 1 * block, 1, 1, n * V, res, lo, hi);
        }
    }

    /** 1 output block x 8 positions from q ({@code n} of them live). */
    private static void blockedTile1(float[] wT, int channels, float[] bias, float[] x, int xOff, int positions, int fb, int q,
            int n, float[] y, int yOff, float[] res, float lo, float hi) {
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
        FloatVector c00 = FloatVector.zero(S);
        FloatVector c10 = FloatVector.zero(S);
        FloatVector c20 = FloatVector.zero(S);
        FloatVector c30 = FloatVector.zero(S);
        FloatVector c40 = FloatVector.zero(S);
        FloatVector c50 = FloatVector.zero(S);
        FloatVector c60 = FloatVector.zero(S);
        FloatVector c70 = FloatVector.zero(S);
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
        // Bias and (without a residual) the clamp in registers; a residual is added after the stores.
        FloatVector vl = FloatVector.broadcast(S, res == null ? lo : Float.NEGATIVE_INFINITY);
        FloatVector vh = FloatVector.broadcast(S, res == null ? hi : Float.POSITIVE_INFINITY);
        FloatVector vb0 = FloatVector.fromArray(S, bias, (fb + 0) * V);
        int yo = yOff + fb * block + q * V;
        c00.add(vb0).max(vl).min(vh).intoArray(y, yo + 0 * block + 0 * V);
        if (n > 1) {
            c10.add(vb0).max(vl).min(vh).intoArray(y, yo + 0 * block + 1 * V);
        }
        if (n > 2) {
            c20.add(vb0).max(vl).min(vh).intoArray(y, yo + 0 * block + 2 * V);
        }
        if (n > 3) {
            c30.add(vb0).max(vl).min(vh).intoArray(y, yo + 0 * block + 3 * V);
        }
        if (n > 4) {
            c40.add(vb0).max(vl).min(vh).intoArray(y, yo + 0 * block + 4 * V);
        }
        if (n > 5) {
            c50.add(vb0).max(vl).min(vh).intoArray(y, yo + 0 * block + 5 * V);
        }
        if (n > 6) {
            c60.add(vb0).max(vl).min(vh).intoArray(y, yo + 0 * block + 6 * V);
        }
        if (n > 7) {
            c70.add(vb0).max(vl).min(vh).intoArray(y, yo + 0 * block + 7 * V);
        }
        if (res != null) {
            addResidual(y, yo + 0 * block, 1, 1, n * V, res, lo, hi);
        }
    }

    /** Columns [from, from + cols) of K rows {@code ld} apart, copied into rows of {@code width} zero-padded floats. */
    private static float[] edgeCopy(float[][] scratch, float[] x, int from, int ld, int depth, int cols, int width) {
        if (scratch[1].length < depth * width) {
            scratch[1] = new float[depth * width];
        }
        float[] e = scratch[1];
        Arrays.fill(e, 0, depth * width, 0f);
        for (int k = 0; k < depth; k++) {
            System.arraycopy(x, from + k * ld, e, k * width, cols);
        }
        return e;
    }

    /** 8 rows x 2 vectors (the second holding {@code cols - V} live lanes). */
    private static void tile2(GemmPacked a, int s, int rows, float[] b, int bo, int ldb, float[] y, int yo, int ldy,
            int cols, float[] bias, int f0, float[] res, float l, float h, float[] tmp) {
        FloatVector c00 = FloatVector.zero(S), c01 = FloatVector.zero(S);
        FloatVector c10 = FloatVector.zero(S), c11 = FloatVector.zero(S);
        FloatVector c20 = FloatVector.zero(S), c21 = FloatVector.zero(S);
        FloatVector c30 = FloatVector.zero(S), c31 = FloatVector.zero(S);
        FloatVector c40 = FloatVector.zero(S), c41 = FloatVector.zero(S);
        FloatVector c50 = FloatVector.zero(S), c51 = FloatVector.zero(S);
        FloatVector c60 = FloatVector.zero(S), c61 = FloatVector.zero(S);
        FloatVector c70 = FloatVector.zero(S), c71 = FloatVector.zero(S);
        float[] ad = a.data();
        int depth = a.depth();
        int kc = a.kc();
        for (int p0 = 0; p0 < depth; p0 += kc) {
            int kb = Math.min(kc, depth - p0);
            int ak = a.panelOffset(p0, kb, s);
            int bk = bo + p0 * ldb;
            for (int q = 0; q < kb; q++) {
                FloatVector b0 = FloatVector.fromArray(S, b, bk);
                FloatVector b1 = FloatVector.fromArray(S, b, bk + V);
                FloatVector a0 = FloatVector.broadcast(S, ad[ak + 0]);
                c00 = a0.fma(b0, c00);
                c01 = a0.fma(b1, c01);
                FloatVector a1 = FloatVector.broadcast(S, ad[ak + 1]);
                c10 = a1.fma(b0, c10);
                c11 = a1.fma(b1, c11);
                FloatVector a2 = FloatVector.broadcast(S, ad[ak + 2]);
                c20 = a2.fma(b0, c20);
                c21 = a2.fma(b1, c21);
                FloatVector a3 = FloatVector.broadcast(S, ad[ak + 3]);
                c30 = a3.fma(b0, c30);
                c31 = a3.fma(b1, c31);
                FloatVector a4 = FloatVector.broadcast(S, ad[ak + 4]);
                c40 = a4.fma(b0, c40);
                c41 = a4.fma(b1, c41);
                FloatVector a5 = FloatVector.broadcast(S, ad[ak + 5]);
                c50 = a5.fma(b0, c50);
                c51 = a5.fma(b1, c51);
                FloatVector a6 = FloatVector.broadcast(S, ad[ak + 6]);
                c60 = a6.fma(b0, c60);
                c61 = a6.fma(b1, c61);
                FloatVector a7 = FloatVector.broadcast(S, ad[ak + 7]);
                c70 = a7.fma(b0, c70);
                c71 = a7.fma(b1, c71);
                ak += MR;
                bk += ldb;
            }
        }
        // Bias and (without a residual) the clamp on the accumulators; a residual is added after.
        FloatVector vl = FloatVector.broadcast(S, res == null ? l : Float.NEGATIVE_INFINITY);
        FloatVector vh = FloatVector.broadcast(S, res == null ? h : Float.POSITIVE_INFINITY);
        FloatVector vb;
        vb = FloatVector.broadcast(S, bias == null ? 0f : bias[f0 + 0]);
        c00 = c00.add(vb).max(vl).min(vh);
        c01 = c01.add(vb).max(vl).min(vh);
        vb = FloatVector.broadcast(S, bias == null || rows <= 1 ? 0f : bias[f0 + 1]);
        c10 = c10.add(vb).max(vl).min(vh);
        c11 = c11.add(vb).max(vl).min(vh);
        vb = FloatVector.broadcast(S, bias == null || rows <= 2 ? 0f : bias[f0 + 2]);
        c20 = c20.add(vb).max(vl).min(vh);
        c21 = c21.add(vb).max(vl).min(vh);
        vb = FloatVector.broadcast(S, bias == null || rows <= 3 ? 0f : bias[f0 + 3]);
        c30 = c30.add(vb).max(vl).min(vh);
        c31 = c31.add(vb).max(vl).min(vh);
        vb = FloatVector.broadcast(S, bias == null || rows <= 4 ? 0f : bias[f0 + 4]);
        c40 = c40.add(vb).max(vl).min(vh);
        c41 = c41.add(vb).max(vl).min(vh);
        vb = FloatVector.broadcast(S, bias == null || rows <= 5 ? 0f : bias[f0 + 5]);
        c50 = c50.add(vb).max(vl).min(vh);
        c51 = c51.add(vb).max(vl).min(vh);
        vb = FloatVector.broadcast(S, bias == null || rows <= 6 ? 0f : bias[f0 + 6]);
        c60 = c60.add(vb).max(vl).min(vh);
        c61 = c61.add(vb).max(vl).min(vh);
        vb = FloatVector.broadcast(S, bias == null || rows <= 7 ? 0f : bias[f0 + 7]);
        c70 = c70.add(vb).max(vl).min(vh);
        c71 = c71.add(vb).max(vl).min(vh);
        // A whole tile goes straight to y; a partial one (a map's last columns, a last panel's
        // missing rows) through tmp, so that no store needs a mask or a branch.
        boolean whole = rows == MR && cols == 2 * V;
        float[] d = whole ? y : tmp;
        int o = whole ? yo : 0;
        int ld = whole ? ldy : 2 * V;
        c00.intoArray(d, o + 0 * ld);
        c01.intoArray(d, o + 0 * ld + V);
        c10.intoArray(d, o + 1 * ld);
        c11.intoArray(d, o + 1 * ld + V);
        c20.intoArray(d, o + 2 * ld);
        c21.intoArray(d, o + 2 * ld + V);
        c30.intoArray(d, o + 3 * ld);
        c31.intoArray(d, o + 3 * ld + V);
        c40.intoArray(d, o + 4 * ld);
        c41.intoArray(d, o + 4 * ld + V);
        c50.intoArray(d, o + 5 * ld);
        c51.intoArray(d, o + 5 * ld + V);
        c60.intoArray(d, o + 6 * ld);
        c61.intoArray(d, o + 6 * ld + V);
        c70.intoArray(d, o + 7 * ld);
        c71.intoArray(d, o + 7 * ld + V);
        if (!whole) {
            copyOut(tmp, 2 * V, y, yo, ldy, rows, cols);
        }
        if (res != null) {
            addResidual(y, yo, ldy, rows, cols, res, l, h);
        }
    }

    /** 8 rows x 1 vector ({@code cols} live lanes). */
    private static void tile1(GemmPacked a, int s, int rows, float[] b, int bo, int ldb, float[] y, int yo, int ldy,
            int cols, float[] bias, int f0, float[] res, float l, float h, float[] tmp) {
        FloatVector c00 = FloatVector.zero(S);
        FloatVector c10 = FloatVector.zero(S);
        FloatVector c20 = FloatVector.zero(S);
        FloatVector c30 = FloatVector.zero(S);
        FloatVector c40 = FloatVector.zero(S);
        FloatVector c50 = FloatVector.zero(S);
        FloatVector c60 = FloatVector.zero(S);
        FloatVector c70 = FloatVector.zero(S);
        float[] ad = a.data();
        int depth = a.depth();
        int kc = a.kc();
        for (int p0 = 0; p0 < depth; p0 += kc) {
            int kb = Math.min(kc, depth - p0);
            int ak = a.panelOffset(p0, kb, s);
            int bk = bo + p0 * ldb;
            for (int q = 0; q < kb; q++) {
                FloatVector b0 = FloatVector.fromArray(S, b, bk);
                c00 = FloatVector.broadcast(S, ad[ak + 0]).fma(b0, c00);
                c10 = FloatVector.broadcast(S, ad[ak + 1]).fma(b0, c10);
                c20 = FloatVector.broadcast(S, ad[ak + 2]).fma(b0, c20);
                c30 = FloatVector.broadcast(S, ad[ak + 3]).fma(b0, c30);
                c40 = FloatVector.broadcast(S, ad[ak + 4]).fma(b0, c40);
                c50 = FloatVector.broadcast(S, ad[ak + 5]).fma(b0, c50);
                c60 = FloatVector.broadcast(S, ad[ak + 6]).fma(b0, c60);
                c70 = FloatVector.broadcast(S, ad[ak + 7]).fma(b0, c70);
                ak += MR;
                bk += ldb;
            }
        }
        // Bias and (without a residual) the clamp on the accumulators; a residual is added after.
        FloatVector vl = FloatVector.broadcast(S, res == null ? l : Float.NEGATIVE_INFINITY);
        FloatVector vh = FloatVector.broadcast(S, res == null ? h : Float.POSITIVE_INFINITY);
        FloatVector vb;
        vb = FloatVector.broadcast(S, bias == null ? 0f : bias[f0 + 0]);
        c00 = c00.add(vb).max(vl).min(vh);
        vb = FloatVector.broadcast(S, bias == null || rows <= 1 ? 0f : bias[f0 + 1]);
        c10 = c10.add(vb).max(vl).min(vh);
        vb = FloatVector.broadcast(S, bias == null || rows <= 2 ? 0f : bias[f0 + 2]);
        c20 = c20.add(vb).max(vl).min(vh);
        vb = FloatVector.broadcast(S, bias == null || rows <= 3 ? 0f : bias[f0 + 3]);
        c30 = c30.add(vb).max(vl).min(vh);
        vb = FloatVector.broadcast(S, bias == null || rows <= 4 ? 0f : bias[f0 + 4]);
        c40 = c40.add(vb).max(vl).min(vh);
        vb = FloatVector.broadcast(S, bias == null || rows <= 5 ? 0f : bias[f0 + 5]);
        c50 = c50.add(vb).max(vl).min(vh);
        vb = FloatVector.broadcast(S, bias == null || rows <= 6 ? 0f : bias[f0 + 6]);
        c60 = c60.add(vb).max(vl).min(vh);
        vb = FloatVector.broadcast(S, bias == null || rows <= 7 ? 0f : bias[f0 + 7]);
        c70 = c70.add(vb).max(vl).min(vh);
        boolean whole = rows == MR && cols == V;
        float[] d = whole ? y : tmp;
        int o = whole ? yo : 0;
        int ld = whole ? ldy : V;
        c00.intoArray(d, o + 0 * ld);
        c10.intoArray(d, o + 1 * ld);
        c20.intoArray(d, o + 2 * ld);
        c30.intoArray(d, o + 3 * ld);
        c40.intoArray(d, o + 4 * ld);
        c50.intoArray(d, o + 5 * ld);
        c60.intoArray(d, o + 6 * ld);
        c70.intoArray(d, o + 7 * ld);
        if (!whole) {
            copyOut(tmp, V, y, yo, ldy, rows, cols);
        }
        if (res != null) {
            addResidual(y, yo, ldy, rows, cols, res, l, h);
        }
    }

    /** {@code rows} rows of {@code cols} floats from tmp (rows {@code ld} apart) into y. */
    private static void copyOut(float[] tmp, int ld, float[] y, int yo, int ldy, int rows, int cols) {
        for (int r = 0; r < rows; r++) {
            System.arraycopy(tmp, r * ld, y, yo + r * ldy, cols);
        }
    }

    /**
     * {@code min(max(v + res, l), h)} in place over a tile just stored (in L1). A separate call, not
     * code in the tile: inlined at the tile's sixteen stores it made the tile method outgrow the
     * JIT's inlining budget.
     */
    private static void addResidual(float[] y, int yo, int ldy, int rows, int cols, float[] res, float l, float h) {
        for (int r = 0; r < rows; r++) {
            int off = yo + r * ldy;
            EPILOGUE.biasResidualClamp(y, off, y, off, cols, 0f, res, off, l, h);
        }
    }
}
