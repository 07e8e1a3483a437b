package dev.lowbit.tensor.kernels;

import dev.lowbit.tensor.Parallel;
import java.util.Arrays;

/**
 * Stride-1 2-D integer convolution on the int16-run micro-kernel of {@link Int16Gemm}, without an
 * im2col: the input is copied once into zero-bordered int16 planes {@code x - shift} (border
 * {@code xZero - shift}, the padding, see {@link Int16Conv}), and the outputs are computed over the
 * planes' flattened positions {@code q = oy * wp + ox}. Tap (c, ky, kx) of output q then reads
 * {@code plane_c[q + ky * wp + kx]}: every row of the implicit im2col matrix is a window of a plane
 * at a fixed offset, which the micro-kernel loads in place. Positions with {@code ox >= ow} (the
 * right border's {@code kw - 1} columns) and past the last output are computed and dropped: they
 * read only the slack this class allocates, never another output's taps.
 *
 * <p>Exact under the same bound as {@link Int16Conv} (same shifted values and run length); the
 * result equals {@link Int16Conv#convolve} bit for bit. An im2col repeats each input value
 * {@code kh * kw} times and packs it; here each value is written once, which is what makes the
 * int16 path pay on large feature maps with few channels.
 */
public final class Int16DirectConv {
    private Int16DirectConv() {
    }

    /** Whether {@link #convolve} handles this geometry: two spatial axes, stride 1, dilation 1. */
    public static boolean handles(IntConv.Geometry g) {
        if (g.in().length != 2) {
            return false;
        }
        for (int a = 0; a < 2; a++) {
            if (g.strides()[a] != 1 || g.dilations()[a] != 1) {
                return false;
            }
        }
        return true;
    }

    /** The padded planes and flattened output of one geometry. */
    private record Layout(int hp, int wp, int flat, int paddedFlat, int planeSize) {
        static Layout of(IntConv.Geometry g, int nr) {
            int oh = g.out()[0];
            int ow = g.out()[1];
            int hp = oh + g.kernel()[0] - 1;
            int wp = ow + g.kernel()[1] - 1;
            int flat = (oh - 1) * wp + ow;
            int paddedFlat = (flat + nr - 1) / nr * nr;
            int lastRead = paddedFlat - 1 + (g.kernel()[0] - 1) * wp + g.kernel()[1] - 1;
            return new Layout(hp, wp, flat, paddedFlat, Math.max(hp * wp, lastRead + 1));
        }
    }

    /**
     * As {@link Int16Conv#convolve} (same arguments and result) for a geometry {@link #handles}
     * accepts.
     */
    public static int[] convolve(byte[] x, boolean xUnsigned, int xZero, int shift, int[] weightSums, int batch,
            int channels, Int16Gemm.Packed[] weights, int outChannels, IntConv.Geometry g, int run) {
        if (!handles(g)) {
            throw new IllegalArgumentException("not a stride-1 2-d convolution");
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
                for (int kx = 0; kx < kw; kx++) {
                    rows[k++] = c * l.planeSize() + ky * l.wp() + kx;
                }
            }
        }
        return rows;
    }

    /** Channels [0, cg) of one image at xOff as shifted int16 planes; the border and slack hold {@code pad}. */
    private static void fillPlanes(byte[] x, int xOff, boolean unsigned, int shift, int pad, int cg, IntConv.Geometry g,
            Layout l, short[] planes) {
        int ih = g.in()[0];
        int iw = g.in()[1];
        int py = g.padsBegin()[0];
        int px = g.padsBegin()[1];
        short border = (short) pad;
        Arrays.fill(planes, 0, cg * l.planeSize(), border);
        // Input columns that land inside the plane (a negative begin pad crops).
        int x0 = Math.max(0, -px);
        int x1 = Math.min(iw, l.wp() - px);
        for (int c = 0; c < cg; c++) {
            int plane = c * l.planeSize();
            for (int iy = Math.max(0, -py); iy < ih && iy + py < l.hp(); iy++) {
                int src = xOff + (c * ih + iy) * iw;
                int dst = plane + (iy + py) * l.wp() + px;
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
            for (int oy = 0; oy < oh; oy++, src += l.wp(), dst += ow) {
                for (int ox = 0; ox < ow; ox++) {
                    acc[dst + ox] = flat[src + ox] + add;
                }
            }
        }
    }
}
