package dev.lowbit.tensor.kernels;

import java.util.Arrays;

/**
 * Lowers convolution to GEMM. im2col writes col[c * kernelSize + tap, outPos] = the input value tap
 * reads for output position outPos (zero in the padding); col2im is its adjoint (scatter-add), used
 * by the transposed convolution.
 */
public final class Im2col {
    private Im2col() {
    }

    /** Fills col[channels * kernelSize, outSize] from x[channels, in...] at {@code xOff}. */
    public static void im2col(ConvGeometry g, float[] x, int xOff, int channels, float[] col) {
        if (g.rank() == 2) {
            im2col2d(g, x, xOff, channels, col);
        } else if (g.rank() == 1) {
            im2col2d(as2d(g), x, xOff, channels, col);
        } else {
            im2colNd(g, x, xOff, channels, 0, g.outSize(), col, 0, g.outSize());
        }
    }

    static ConvGeometry as2d(ConvGeometry g) {
        return new ConvGeometry(new int[] {1, g.in()[0]}, new int[] {1, g.kernel()[0]},
                new int[] {1, g.strides()[0]}, new int[] {1, g.dilations()[0]}, new int[] {0, g.padBegin()[0]},
                new int[] {1, g.out()[0]});
    }

    private static void im2col2d(ConvGeometry g, float[] x, int xOff, int channels, float[] col) {
        int kH = g.kernel()[0], kW = g.kernel()[1], outSize = g.out()[0] * g.out()[1];
        int row = 0;
        for (int c = 0; c < channels; c++) {
            for (int kh = 0; kh < kH; kh++) {
                for (int kw = 0; kw < kW; kw++, row++) {
                    row2d(g, x, xOff, c, kh, kw, 0, outSize, col, row * outSize);
                }
            }
        }
    }

    /**
     * im2col straight into the packed-B panel layout of {@code kernel} (1-D and 2-D; other ranks go
     * through a plain im2col first), saving a pass over the column matrix.
     */
    public static GemmPacked im2colPacked(ConvGeometry g, float[] x, int xOff, int channels, int col0, int col1,
            GemmKernel kernel, float[] scratchRow, float[] dst) {
        int k = channels * g.kernelSize();
        int n = col1 - col0;
        if (g.rank() > 2) {
            float[] col = new float[k * n];
            im2colNd(g, x, xOff, channels, col0, col1, col, 0, n);
            return GemmPacking.packB(kernel, false, k, n, col, 0, n, dst);
        }
        ConvGeometry g2 = g.rank() == 1 ? as2d(g) : g;
        int nr = kernel.nr(), kc = kernel.kc();
        GemmPacked p = new GemmPacked(dst, n, k, nr, kc);
        int kH = g2.kernel()[0], kW = g2.kernel()[1];
        int panels = p.panels();
        int full = n / nr;
        int row = 0;
        for (int c = 0; c < channels; c++) {
            for (int kh = 0; kh < kH; kh++) {
                for (int kw = 0; kw < kW; kw++, row++) {
                    row2d(g2, x, xOff, c, kh, kw, col0, col1, scratchRow, 0);
                    int p0 = row / kc * kc;
                    int kb = Math.min(kc, k - p0);
                    int base = p0 * panels * nr + (row - p0) * nr;
                    for (int s = 0; s < full; s++) {
                        System.arraycopy(scratchRow, s * nr, dst, base + s * nr * kb, nr);
                    }
                    if (full < panels) {
                        int d = base + full * nr * kb;
                        int rest = n - full * nr;
                        System.arraycopy(scratchRow, full * nr, dst, d, rest);
                        Arrays.fill(dst, d + rest, d + nr, 0f);
                    }
                }
            }
        }
        return p;
    }

    /**
     * Output positions [p0, p1) of one im2col row (channel c, tap kh, kw) of a 2-D convolution, into
     * col starting at {@code dst}.
     */
    static void row2d(ConvGeometry g, float[] x, int xOff, int c, int kh, int kw, int p0, int p1,
            float[] col, int dst) {
        int inH = g.in()[0], inW = g.in()[1];
        int sH = g.strides()[0], sW = g.strides()[1], dH = g.dilations()[0], dW = g.dilations()[1];
        int pT = g.padBegin()[0], pL = g.padBegin()[1], outW = g.out()[1];
        int plane = xOff + c * inH * inW;
        int colShift = kw * dW - pL;
        // Output columns whose input column lies inside [0, inW): [owLo, owHi).
        int owLo = colShift >= 0 ? 0 : Math.min(outW, (-colShift + sW - 1) / sW);
        int owHi = inW - colShift <= 0 ? 0 : Math.min(outW, (inW - colShift + sW - 1) / sW);
        owHi = Math.max(owHi, owLo);
        if (p1 <= p0) {
            return;
        }
        for (int oh = p0 / outW, ohEnd = (p1 - 1) / outW; oh <= ohEnd; oh++) {
            int from = Math.max(0, p0 - oh * outW);
            int to = Math.min(outW, p1 - oh * outW);
            int d = dst + oh * outW - p0;
            int ih = oh * sH - pT + kh * dH;
            if (ih < 0 || ih >= inH) {
                Arrays.fill(col, d + from, d + to, 0f);
                continue;
            }
            int lo = Math.min(Math.max(owLo, from), to);
            int hi = Math.max(Math.min(owHi, to), lo);
            Arrays.fill(col, d + from, d + lo, 0f);
            int src = plane + ih * inW + colShift;
            if (sW == 1 && hi > lo) {
                System.arraycopy(x, src + lo, col, d + lo, hi - lo);
            } else {
                for (int ow = lo; ow < hi; ow++) {
                    col[d + ow] = x[src + ow * sW];
                }
            }
            Arrays.fill(col, d + hi, d + to, 0f);
        }
    }

    /** N-d im2col of output positions [p0, p1): col[colOff + row * ld + (o - p0)]. */
    static void im2colNd(ConvGeometry g, float[] x, int xOff, int channels, int p0, int p1, float[] col,
            int colOff, int ld) {
        int r = g.rank();
        int kSize = g.kernelSize();
        int width = p1 - p0;
        int inSize = g.inSize();
        int[] tap = new int[r];
        int[] pos = new int[r];
        int[] inStrides = strides(g.in());
        for (int c = 0; c < channels; c++) {
            Arrays.fill(tap, 0);
            for (int t = 0; t < kSize; t++) {
                int dst = colOff + (c * kSize + t) * ld;
                unravel(p0, g.out(), pos);
                for (int o = 0; o < width; o++) {
                    int src = inputIndex(g, tap, pos, inStrides);
                    col[dst + o] = src < 0 ? 0f : x[xOff + c * inSize + src];
                    increment(pos, g.out());
                }
                increment(tap, g.kernel());
            }
        }
    }

    private static void unravel(int flat, int[] extent, int[] idx) {
        for (int a = extent.length - 1; a >= 0; a--) {
            idx[a] = flat % extent[a];
            flat /= extent[a];
        }
    }

    /**
     * y[channels, in...] at {@code yOff} += the scatter of col[channels * kernelSize, outSize]: the
     * adjoint of {@link #im2col}.
     */
    public static void col2im(ConvGeometry g, float[] col, int channels, float[] y, int yOff) {
        if (g.rank() <= 2) {
            col2im2d(g.rank() == 1 ? as2d(g) : g, col, channels, y, yOff);
            return;
        }
        int r = g.rank();
        int kSize = g.kernelSize();
        int outSize = g.outSize();
        int inSize = g.inSize();
        int[] tap = new int[r];
        int[] pos = new int[r];
        int[] inStrides = strides(g.in());
        for (int c = 0; c < channels; c++) {
            Arrays.fill(tap, 0);
            for (int t = 0; t < kSize; t++) {
                int src = (c * kSize + t) * outSize;
                Arrays.fill(pos, 0);
                for (int o = 0; o < outSize; o++) {
                    int dst = inputIndex(g, tap, pos, inStrides);
                    if (dst >= 0) {
                        y[yOff + c * inSize + dst] += col[src + o];
                    }
                    increment(pos, g.out());
                }
                increment(tap, g.kernel());
            }
        }
    }

    private static void col2im2d(ConvGeometry g, float[] col, int channels, float[] y, int yOff) {
        int inH = g.in()[0], inW = g.in()[1], kH = g.kernel()[0], kW = g.kernel()[1];
        int sH = g.strides()[0], sW = g.strides()[1], dH = g.dilations()[0], dW = g.dilations()[1];
        int pT = g.padBegin()[0], pL = g.padBegin()[1], outH = g.out()[0], outW = g.out()[1];
        int outSize = outH * outW;
        int row = 0;
        for (int c = 0; c < channels; c++) {
            int plane = yOff + c * inH * inW;
            for (int kh = 0; kh < kH; kh++) {
                for (int kw = 0; kw < kW; kw++, row++) {
                    int colShift = kw * dW - pL;
                    int owLo = colShift >= 0 ? 0 : Math.min(outW, (-colShift + sW - 1) / sW);
                    int owHi = inW - colShift <= 0 ? 0 : Math.min(outW, (inW - colShift + sW - 1) / sW);
                    for (int oh = 0; oh < outH; oh++) {
                        int ih = oh * sH - pT + kh * dH;
                        if (ih < 0 || ih >= inH) {
                            continue;
                        }
                        int src = row * outSize + oh * outW;
                        int dst = plane + ih * inW + colShift;
                        for (int ow = owLo; ow < owHi; ow++) {
                            y[dst + ow * sW] += col[src + ow];
                        }
                    }
                }
            }
        }
    }

    /** Flat input index read by kernel tap {@code tap} at output position {@code pos}, or -1 in the padding. */
    private static int inputIndex(ConvGeometry g, int[] tap, int[] pos, int[] inStrides) {
        int idx = 0;
        for (int a = 0; a < tap.length; a++) {
            int i = pos[a] * g.strides()[a] - g.padBegin()[a] + tap[a] * g.dilations()[a];
            if (i < 0 || i >= g.in()[a]) {
                return -1;
            }
            idx += i * inStrides[a];
        }
        return idx;
    }

    private static void increment(int[] idx, int[] extent) {
        for (int a = idx.length - 1; a >= 0; a--) {
            if (++idx[a] < extent[a]) {
                return;
            }
            idx[a] = 0;
        }
    }

    private static int[] strides(int[] shape) {
        int[] s = new int[shape.length];
        int acc = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            s[i] = acc;
            acc *= shape[i];
        }
        return s;
    }
}
