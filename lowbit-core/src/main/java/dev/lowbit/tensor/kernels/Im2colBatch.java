package dev.lowbit.tensor.kernels;

import java.util.Arrays;

/**
 * im2col over a batch, straight into packed GEMM panels. The column matrix of a convolution over a
 * whole batch is [channels * taps, batch * outSize]: image n's output positions are columns
 * [n * outSize, (n + 1) * outSize). A range of those columns may span several images, which is what
 * makes small images fast: a 4x4 feature map alone gives a GEMM with 16 columns (half a micro-kernel
 * panel wasted, the weights re-read per image), while 32 images together give 512.
 */
public final class Im2colBatch {
    private Im2colBatch() {
    }

    /**
     * Packs columns [col0, col1) of the batch column matrix for {@code kernel}.
     *
     * @param x           the input, [batch, totalChannels, in...]
     * @param xOff        offset of the first channel of this group in image 0
     * @param imageStride floats per image in {@code x}
     * @param channels    input channels of this group
     * @param scratchRow  at least {@code col1 - col0} floats (one im2col row)
     * @param dst         at least {@link GemmPacked#size}(col1 - col0, channels * taps, nr) floats
     */
    public static GemmPacked pack(ConvGeometry g, float[] x, int xOff, int imageStride, int channels, int col0,
            int col1, GemmKernel kernel, float[] scratchRow, float[] dst) {
        int k = channels * g.kernelSize();
        int n = col1 - col0;
        int nr = kernel.nr();
        int kc = kernel.kc();
        GemmPacked p = new GemmPacked(dst, n, k, nr, kc);
        if (g.rank() > 2) {
            float[] col = new float[k * n];
            forSegments(g.outSize(), col0, col1, (img, p0, p1, at) -> Im2col.im2colNd(g, x, xOff + img * imageStride,
                    channels, p0, p1, col, at, n));
            return GemmPacking.packB(kernel, false, k, n, col, 0, n, dst);
        }
        ConvGeometry g2 = g.rank() == 1 ? Im2col.as2d(g) : g;
        boolean pointwise = g2.isPointwise();
        int inSize = g2.inSize();
        int kH = g2.kernel()[0];
        int kW = g2.kernel()[1];
        int outSize = g2.outSize();
        if (!pointwise && outSize <= SMALL_PLANE) {
            packSmallPlanes(p, g2, x, xOff, imageStride, channels, col0, col1, scratchRow);
            return p;
        }
        int row = 0;
        for (int c = 0; c < channels; c++) {
            for (int kh = 0; kh < kH; kh++) {
                for (int kw = 0; kw < kW; kw++, row++) {
                    int cc = c;
                    int th = kh;
                    int tw = kw;
                    forSegments(outSize, col0, col1, (img, p0, p1, at) -> {
                        int imgOff = xOff + img * imageStride;
                        if (pointwise) {
                            System.arraycopy(x, imgOff + cc * inSize + p0, scratchRow, at, p1 - p0);
                        } else {
                            Im2col.row2d(g2, x, imgOff, cc, th, tw, p0, p1, scratchRow, at);
                        }
                    });
                    scatterRow(p, row, scratchRow);
                }
            }
        }
        return p;
    }

    /** Output planes up to this size are gathered through an index table instead of row copies. */
    static final int SMALL_PLANE = 256;

    /**
     * im2col for small feature maps (4x4, 7x7): row copies there move 2-7 floats per call, so
     * instead each tap's source index per output position is tabulated once (-1 in the padding)
     * and every im2col row is a gather through the table.
     */
    private static void packSmallPlanes(GemmPacked p, ConvGeometry g, float[] x, int xOff, int imageStride,
            int channels, int col0, int col1, float[] scratchRow) {
        int taps = g.kernelSize();
        int outSize = g.outSize();
        int inSize = g.inSize();
        int inH = g.in()[0], inW = g.in()[1], outW = g.out()[1], kW = g.kernel()[1];
        int[] table = new int[taps * outSize];
        for (int t = 0; t < taps; t++) {
            int kh = t / kW, kw = t % kW;
            for (int o = 0; o < outSize; o++) {
                int ih = (o / outW) * g.strides()[0] - g.padBegin()[0] + kh * g.dilations()[0];
                int iw = (o % outW) * g.strides()[1] - g.padBegin()[1] + kw * g.dilations()[1];
                table[t * outSize + o] = ih < 0 || ih >= inH || iw < 0 || iw >= inW ? -1 : ih * inW + iw;
            }
        }
        int n = col1 - col0;
        for (int c = 0, row = 0; c < channels; c++) {
            for (int t = 0; t < taps; t++, row++) {
                int tab = t * outSize;
                int col = col0;
                for (int at = 0; at < n;) {
                    int img = col / outSize;
                    int o = col - img * outSize;
                    int len = Math.min(outSize - o, n - at);
                    int base = xOff + img * imageStride + c * inSize;
                    for (int i = 0; i < len; i++) {
                        int idx = table[tab + o + i];
                        scratchRow[at + i] = idx < 0 ? 0f : x[base + idx];
                    }
                    at += len;
                    col += len;
                }
                scatterRow(p, row, scratchRow);
            }
        }
    }

    /** Copies one full im2col row (depth {@code row}, all columns) into its place in the panels. */
    static void scatterRow(GemmPacked p, int row, float[] src) {
        float[] dst = p.data();
        int nr = p.width();
        int kc = p.kc();
        int n = p.extent();
        int panels = p.panels();
        int full = n / nr;
        int p0 = row / kc * kc;
        int kb = Math.min(kc, p.depth() - p0);
        int base = p0 * panels * nr + (row - p0) * nr;
        for (int s = 0; s < full; s++) {
            System.arraycopy(src, s * nr, dst, base + s * nr * kb, nr);
        }
        if (full < panels) {
            int d = base + full * nr * kb;
            int rest = n - full * nr;
            System.arraycopy(src, full * nr, dst, d, rest);
            Arrays.fill(dst, d + rest, d + nr, 0f);
        }
    }

    /** A piece of a column range that lies in one image: positions [p0, p1) of image {@code img}, at column {@code at} of the range. */
    @FunctionalInterface
    public interface Segment {
        void accept(int img, int p0, int p1, int at);
    }

    /** Splits batch columns [col0, col1) into per-image pieces, in order. */
    public static void forSegments(int outSize, int col0, int col1, Segment s) {
        int c = col0;
        while (c < col1) {
            int img = c / outSize;
            int p0 = c - img * outSize;
            int p1 = Math.min(outSize, p0 + (col1 - c));
            s.accept(img, p0, p1, c - col0);
            c += p1 - p0;
        }
    }
}
