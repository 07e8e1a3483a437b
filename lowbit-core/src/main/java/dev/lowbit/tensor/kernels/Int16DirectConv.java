package dev.lowbit.tensor.kernels;

import dev.lowbit.tensor.Parallel;
import java.util.Arrays;

/**
 * 2-D integer convolution on the int16-run micro-kernel of {@link Int16Gemm}, without an im2col:
 * the input is copied once into zero-bordered int16 planes {@code x - shift} (border
 * {@code xZero - shift}, the padding, see {@link Int16Conv}), split by stride phase, and the outputs
 * are computed over a phase plane's flattened positions {@code q = oy * wq + ox}. With strides
 * (sy, sx), the padded input's row r and column c go to phase plane (r % sy, c % sx) at
 * (r / sy, c / sx); tap (ky, kx) of output (oy, ox) reads padded (oy * sy + ky * dy, ox * sx + kx * dx),
 * which is phase ((ky * dy) % sy, (kx * dx) % sx) at (oy + ky * dy / sy, ox + kx * dx / sx). So every
 * row of the implicit im2col matrix is a window of one phase plane at a fixed offset
 * {@code (ky * dy / sy) * wq + kx * dx / sx}, which the micro-kernel loads in place. Positions with
 * {@code ox >= ow} and past the last output are computed and dropped: they read only the slack this
 * class allocates, never another output's taps. Stride 1 has one phase: the plane itself.
 *
 * <p>Exact under the same bound as {@link Int16Conv} (same shifted values and run length); the
 * result equals {@link Int16Conv#convolve} bit for bit. An im2col repeats each input value
 * {@code kh * kw / (sy * sx)} times and packs it; here each value is written once, which is what
 * makes the int16 path pay on large feature maps with few channels.
 */
public final class Int16DirectConv {
    private Int16DirectConv() {
    }

    /** Whether {@link #convolve} handles this geometry: two spatial axes (any stride and dilation). */
    public static boolean handles(IntConv.Geometry g) {
        return g.in().length == 2;
    }

    /**
     * The phase planes of one channel and the flattened output of one geometry: {@code sy * sx}
     * phases of {@code phaseSize} shorts each, rows {@code wq} wide.
     */
    private record Layout(int sy, int sx, int hp, int wp, int wq, int paddedFlat, int phaseSize) {
        static Layout of(IntConv.Geometry g, int nr) {
            int oh = g.out()[0];
            int ow = g.out()[1];
            int sy = g.strides()[0];
            int sx = g.strides()[1];
            int spanY = (g.kernel()[0] - 1) * g.dilations()[0];
            int spanX = (g.kernel()[1] - 1) * g.dilations()[1];
            int hp = (oh - 1) * sy + spanY + 1;
            int wp = (ow - 1) * sx + spanX + 1;
            int hq = (hp + sy - 1) / sy;
            int wq = (wp + sx - 1) / sx;
            int flat = (oh - 1) * wq + ow;
            int paddedFlat = (flat + nr - 1) / nr * nr;
            int lastRead = paddedFlat - 1 + spanY / sy * wq + spanX / sx;
            return new Layout(sy, sx, hp, wp, wq, paddedFlat, Math.max(hq * wq, lastRead + 1));
        }

        int planeSize() {
            return sy * sx * phaseSize;
        }
    }

    /**
     * As {@link Int16Conv#convolve} (same arguments and result) for a geometry {@link #handles}
     * accepts.
     */
    public static int[] convolve(byte[] x, boolean xUnsigned, int xZero, int shift, int[] weightSums, int batch,
            int channels, Int16Gemm.Packed[] weights, int outChannels, IntConv.Geometry g, int run) {
        if (!handles(g)) {
            throw new IllegalArgumentException("not a 2-d convolution");
        }
        int groups = weights.length;
        int cg = channels / groups;
        int mg = outChannels / groups;
        int nr = Int16Gemm.nr();
        Layout l = Layout.of(g, nr);
        int[] rows = tapOffsets(cg, g, l);
        int[] acc = new int[batch * outChannels * g.outSize()];
        int items = batch * groups;
        boolean perItem = items >= Parallel.threads();
        Parallel.forRange(items, perItem ? 1 : items, (start, end) -> {
            short[] planes = new short[cg * l.planeSize()];
            int[] flat = new int[(mg + Int16GemmLoops.MR - 1) / Int16GemmLoops.MR * Int16GemmLoops.MR * l.paddedFlat()];
            for (int t = start; t < end; t++) {
                int n = t / groups;
                int grp = t % groups;
                fillPlanes(x, (n * channels + grp * cg) * g.inSize(), xUnsigned, shift, xZero - shift, cg, g, l, planes);
                Arrays.fill(flat, 0);
                multiply(weights[grp], planes, rows, flat, l, run, !perItem);
                int cOff = (n * outChannels + grp * mg) * g.outSize();
                gather(flat, l, g, acc, cOff, shift - xZero, weightSums, grp * mg, mg);
            }
        });
        return acc;
    }

    /** For tap k = (c, ky, kx) in the weights' order, where its window starts in the planes. */
    private static int[] tapOffsets(int cg, IntConv.Geometry g, Layout l) {
        int kh = g.kernel()[0];
        int kw = g.kernel()[1];
        int[] rows = new int[cg * kh * kw];
        for (int c = 0, k = 0; c < cg; c++) {
            for (int ky = 0; ky < kh; ky++) {
                int ty = ky * g.dilations()[0];
                for (int kx = 0; kx < kw; kx++) {
                    int tx = kx * g.dilations()[1];
                    int phase = (ty % l.sy()) * l.sx() + tx % l.sx();
                    rows[k++] = c * l.planeSize() + phase * l.phaseSize() + ty / l.sy() * l.wq() + tx / l.sx();
                }
            }
        }
        return rows;
    }

    /**
     * Channels [0, cg) of one image at xOff as shifted int16 phase planes; the border and slack hold
     * {@code pad}.
     */
    private static void fillPlanes(byte[] x, int xOff, boolean unsigned, int shift, int pad, int cg, IntConv.Geometry g,
            Layout l, short[] planes) {
        int ih = g.in()[0];
        int iw = g.in()[1];
        int py = g.padsBegin()[0];
        int px = g.padsBegin()[1];
        Arrays.fill(planes, 0, cg * l.planeSize(), (short) pad);
        // Input columns that land inside the padded extent (a negative begin pad crops).
        int x0 = Math.max(0, -px);
        int x1 = Math.min(iw, l.wp() - px);
        for (int c = 0; c < cg; c++) {
            int plane = c * l.planeSize();
            for (int iy = Math.max(0, -py); iy < ih && iy + py < l.hp(); iy++) {
                int r = iy + py;
                int src = xOff + (c * ih + iy) * iw;
                int phaseRow = plane + (r % l.sy()) * l.sx() * l.phaseSize() + r / l.sy() * l.wq();
                if (l.sx() == 1) {
                    copyRow(x, src, x0, x1, unsigned, shift, planes, phaseRow + px);
                } else {
                    for (int ix = x0; ix < x1; ix++) {
                        int col = ix + px;
                        int v = (unsigned ? x[src + ix] & 0xFF : x[src + ix]) - shift;
                        planes[phaseRow + (col % l.sx()) * l.phaseSize() + col / l.sx()] = (short) v;
                    }
                }
            }
        }
    }

    /** {@code dst[ix] = x[src + ix] - shift} for ix in [x0, x1): a row of a plane without column phases. */
    private static void copyRow(byte[] x, int src, int x0, int x1, boolean unsigned, int shift, short[] planes, int dst) {
        if (unsigned) {
            for (int ix = x0; ix < x1; ix++) {
                planes[dst + ix] = (short) ((x[src + ix] & 0xFF) - shift);
            }
        } else {
            for (int ix = x0; ix < x1; ix++) {
                planes[dst + ix] = (short) (x[src + ix] - shift);
            }
        }
    }

    /**
     * flat[m * paddedFlat + q] += sum over taps of w[m][k] * planes[rows[k] + q], K block by K block
     * (the packed weights' blocks), splitting the positions across threads when {@code parallel}.
     */
    private static void multiply(Int16Gemm.Packed a, short[] planes, int[] rows, int[] flat, Layout l, int run,
            boolean parallel) {
        Int16GemmLoops loops = Int16Gemm.loops();
        int mr = Int16GemmLoops.MR;
        int nr = loops.nr();
        int m = a.extent();
        int k = a.depth();
        int ldc = l.paddedFlat();
        int r = Math.min(run, Int16Gemm.KC);
        int columnBlocks = ldc / nr;
        short[] ad = a.data();
        Parallel.forRange(columnBlocks, parallel ? 1 : columnBlocks, (j0, j1) -> {
            for (int jb = j0; jb < j1; jb++) {
                int j = jb * nr;
                for (int p0 = 0; p0 < k; p0 += Int16Gemm.KC) {
                    int kb = Math.min(Int16Gemm.KC, k - p0);
                    for (int i = 0; i < m; i += mr) {
                        loops.microKernel(kb, r, ad, a.panelOffset(p0, kb, i / mr), planes, j, rows, p0, flat,
                                i * ldc + j, ldc);
                    }
                }
            }
        });
    }

    /** The valid outputs of the flat rows into acc [mg, oh * ow] at cOff, plus the centring correction. */
    private static void gather(int[] flat, Layout l, IntConv.Geometry g, int[] acc, int cOff, int delta,
            int[] weightSums, int m0, int mg) {
        int oh = g.out()[0];
        int ow = g.out()[1];
        for (int m = 0; m < mg; m++) {
            int add = delta * weightSums[m0 + m]; // int32 wrap-around, exact modulo 2^32 like the sums
            int src = m * l.paddedFlat();
            int dst = cOff + m * oh * ow;
            for (int oy = 0; oy < oh; oy++, src += l.wq(), dst += ow) {
                for (int ox = 0; ox < ow; ox++) {
                    acc[dst + ox] = flat[src + ox] + add;
                }
            }
        }
    }
}
