package dev.lowbit.tensor.kernels;

import java.util.Arrays;

/**
 * Direct 2-D convolution without im2col ("implicit GEMM"): Y[M, q] = sum over k of W[M, k] * P[offset[k] + q].
 *
 * <p>The input image is first copied once into zero-bordered <em>phase planes</em>: for stride
 * (sH, sW), phase (a, b) of channel c holds the padded input rows a, a + sH, ... and columns b, b + sW,
 * ..., as a phH x phW plane. Output pixel (oh, ow) is position q = oh * phW + ow, and kernel tap
 * (c, kh, kw) reads phase ((kh*dH) % sH, (kw*dW) % sW) at row oh + kh*dH/sH, column ow + kw*dW/sW:
 * a fixed offset from q. So consecutive q are consecutive floats for every tap, whatever the stride,
 * and the GEMM's B operand is read straight from the planes instead of being built by im2col, which
 * for convolutions with few filters costs more than the multiply itself.
 *
 * <p>The price: the columns ow in [outW, phW) of every row are computed and thrown away, so callers
 * use this only when outW is large against phW - outW (see {@link Plan#efficiency}).
 */
public abstract class ConvDirectKernel {
    /** Filters per register tile (the packed-weight panel width). */
    public static final int MR = 8;

    /** Geometry of one direct convolution of {@code channels} input channels. */
    public record Plan(int channels, int inH, int inW, int kH, int kW, int sH, int sW, int dH, int dW, int padT,
            int padL, int outH, int outW, int phH, int phW, int[] offsets, boolean[] phaseUsed) {

        public static Plan of(ConvGeometry g, int channels) {
            if (g.rank() != 2) {
                throw new IllegalArgumentException("direct convolution is 2-D, got rank " + g.rank());
            }
            int kH = g.kernel()[0], kW = g.kernel()[1], sH = g.strides()[0], sW = g.strides()[1];
            int dH = g.dilations()[0], dW = g.dilations()[1], outH = g.out()[0], outW = g.out()[1];
            int paddedH = (outH - 1) * sH + (kH - 1) * dH + 1;
            int paddedW = (outW - 1) * sW + (kW - 1) * dW + 1;
            int phH = (paddedH + sH - 1) / sH;
            int phW = rowStride(g);
            int planeSize = phH * phW;
            int[] offsets = new int[channels * kH * kW];
            boolean[] phaseUsed = new boolean[sH * sW];
            for (int c = 0, k = 0; c < channels; c++) {
                for (int kh = 0; kh < kH; kh++) {
                    for (int kw = 0; kw < kW; kw++, k++) {
                        int r = kh * dH, col = kw * dW;
                        int phase = (r % sH) * sW + col % sW;
                        phaseUsed[phase] = true;
                        offsets[k] = (c * sH * sW + phase) * planeSize + (r / sH) * phW + col / sW;
                    }
                }
            }
            return new Plan(channels, g.in()[0], g.in()[1], kH, kW, sH, sW, dH, dW, g.padBegin()[0],
                    g.padBegin()[1], outH, outW, phH, phW, offsets, phaseUsed);
        }

        /**
         * Floats per plane row. With stride 1 across, a row's right padding doubles as the next row's
         * left padding (reads past a row's end land on the next row's left zeros), so a row needs only
         * max(padL, padR) zero columns, not both: one discarded output column per row instead of two
         * for 3x3 pad-1 convs. With strides the rows are the padded phase width.
         */
        public static int rowStride(ConvGeometry g) {
            int kW = g.kernel()[1], sW = g.strides()[1], dW = g.dilations()[1], outW = g.out()[1];
            int inW = g.in()[1], padL = g.padBegin()[1];
            int paddedW = (outW - 1) * sW + (kW - 1) * dW + 1;
            if (sW != 1) {
                return (paddedW + sW - 1) / sW;
            }
            int padR = paddedW - padL - inW; // may be negative: the conv stops short of the input's end
            return Math.max(outW, inW + Math.max(padL, padR));
        }

        /** Positions q computed per image: whole rows of phW, rounded up to the kernel's granule. */
        public int positions(int granule) {
            return (outH * phW + granule - 1) / granule * granule;
        }

        /** Share of the computed positions that are real outputs. */
        public double efficiency(int granule) {
            return (double) outH * outW / positions(granule);
        }

        /** Floats of the phase planes of one image, with slack for the discarded tail positions. */
        public int planesSize(int tile) {
            return channels * sH * sW * phH * phW + phW + kW * dW + 2 * tile;
        }

        public int depth() {
            return offsets.length;
        }
    }

    /** Output positions per register tile (two vectors). */
    public abstract int tile();

    /**
     * Granularity of the positions computed (a quarter tile, half a vector): a range ends with half-
     * and quarter-width tiles when needed, which on small maps (7x7 in rows of 8: 56 positions, 8x8 in
     * rows of 9: 72) saves computing most of a wasted tile.
     */
    public int granule() {
        return tile() / 4;
    }

    /**
     * Where phase planes take an image's values from: float activations, or 8-bit ones held as
     * {@code value - zeroPoint} (a quantized convolution's exact float accumulation), converted
     * while the planes are built instead of in a pass of their own.
     */
    public interface PlaneSource {
        /** {@code dst[d + j] = value at x[src + j * stride]} for j < n. */
        void copyRow(int src, int stride, float[] dst, int d, int n);

        /** Float activations. */
        static PlaneSource of(float[] x) {
            return (src, stride, dst, d, n) -> StridedRowCopy.copy(x, src, stride, dst, d, n);
        }

        /** 8-bit activations (read as unsigned or signed) shifted by {@code zeroPoint}, as exact floats. */
        static PlaneSource shifted(byte[] x, boolean unsigned, int zeroPoint) {
            int mask = unsigned ? 0xFF : -1;
            return (src, stride, dst, d, n) -> {
                if (stride == 1) {
                    IntQuantize.shiftedFloats(x, src, n, unsigned, zeroPoint, dst, d);
                    return;
                }
                for (int j = 0; j < n; j++) {
                    dst[d + j] = (x[src + j * stride] & mask) - zeroPoint;
                }
            };
        }
    }

    /**
     * Copies image channels [0, channels) of {@code x} at {@code xOff} (planes of inH x inW) into the
     * zero-bordered phase planes {@code dst}.
     */
    public static void buildPlanes(Plan p, float[] x, int xOff, float[] dst, int tile) {
        buildPlanes(p, PlaneSource.of(x), xOff, dst, tile);
    }

    /** {@link #buildPlanes(Plan, float[], int, float[], int)} from any {@link PlaneSource}. */
    public static void buildPlanes(Plan p, PlaneSource x, int xOff, float[] dst, int tile) {
        int planeSize = p.phH * p.phW;
        int size = p.planesSize(tile);
        // The slack after the planes is only read for discarded positions, but zeroing it keeps
        // stale NaNs of an earlier use out of even those.
        Arrays.fill(dst, p.channels * p.sH * p.sW * planeSize, size, 0f);
        for (int c = 0; c < p.channels; c++) {
            int src0 = xOff + c * p.inH * p.inW;
            for (int a = 0; a < p.sH; a++) {
                for (int b = 0; b < p.sW; b++) {
                    int plane = (c * p.sH * p.sW + a * p.sW + b) * planeSize;
                    if (!p.phaseUsed[a * p.sW + b]) {
                        // e.g. a 1x1 stride-2 kernel reads one phase of four. Only the first row is
                        // read: the previous plane's last row runs into its left padding.
                        Arrays.fill(dst, plane, plane + p.phW, 0f);
                        continue;
                    }
                    // Input column of phase column j: j*sW + b - padL; the range [j0, j1) is inside.
                    int j0 = Math.min(p.phW, Math.max(0, (p.padL - b + p.sW - 1) / p.sW));
                    int j1 = Math.max(j0, Math.min(p.phW, Math.floorDiv(p.inW - 1 + p.padL - b, p.sW) + 1));
                    // Each float is written once: zeros around the copied interior, not under it.
                    for (int i = 0; i < p.phH; i++) {
                        int ih = i * p.sH + a - p.padT;
                        int d = plane + i * p.phW;
                        if (ih < 0 || ih >= p.inH) {
                            Arrays.fill(dst, d, d + p.phW, 0f);
                            continue;
                        }
                        // Plain loops, not Arrays.fill: the borders are a float or two, and calls
                        // per row of a 7x7 or 28x28 map were a sixth of a small CNN's time.
                        for (int j = 0; j < j0; j++) {
                            dst[d + j] = 0f;
                        }
                        int src = src0 + ih * p.inW + j0 * p.sW + b - p.padL;
                        x.copyRow(src, p.sW, dst, d + j0, j1 - j0);
                        for (int j = j1; j < p.phW; j++) {
                            dst[d + j] = 0f;
                        }
                    }
                }
            }
        }
    }

    /**
     * Packs weights W[m, k] (row-major, {@code k = channels * kH * kW}) of {@code filters} filters
     * at {@code wOff} into MR-filter panels: panel s holds (k, r) at {@code s * MR * depth + k * MR + r},
     * rows past {@code filters} zero.
     */
    public static float[] packWeights(float[] w, int wOff, int filters, int depth) {
        int panels = (filters + MR - 1) / MR;
        float[] out = new float[panels * MR * depth];
        for (int m = 0; m < filters; m++) {
            int s = m / MR, r = m % MR;
            for (int k = 0; k < depth; k++) {
                out[s * MR * depth + k * MR + r] = w[wOff + m * depth + k];
            }
        }
        return out;
    }

    /**
     * Computes positions [q0, q1) (q0 a multiple of {@link #tile()}, q1 - q0 of {@link #granule()}) for filters
     * [0, panels * MR): c[(m * ldc) + (q - q0)] = sum over k of w(m, k) * planes[offsets[k] + q].
     */
    public final void compute(Plan p, float[] packedW, int panels, float[] planes, int q0, int q1, float[] c,
            int ldc) {
        int depth = p.depth();
        int q = q0;
        for (; q + tile() <= q1; q += tile()) {
            for (int s = 0; s < panels; s++) {
                tile(depth, packedW, s * MR * depth, planes, q, p.offsets, c, s * MR * ldc + (q - q0), ldc);
            }
        }
        if (q + tile() / 2 <= q1) {
            for (int s = 0; s < panels; s++) {
                halfTile(depth, packedW, s * MR * depth, planes, q, p.offsets, c, s * MR * ldc + (q - q0), ldc);
            }
            q += tile() / 2;
        }
        if (q < q1) {
            for (int s = 0; s < panels; s++) {
                quarterTile(depth, packedW, s * MR * depth, planes, q, p.offsets, c, s * MR * ldc + (q - q0), ldc);
            }
        }
    }

    /** {@link #tile} over a quarter tile's positions only. */
    protected abstract void quarterTile(int depth, float[] a, int aOff, float[] src, int base, int[] offsets,
            float[] c, int cOff, int ldc);

    /** {@link #tile} over half a tile's positions only. */
    protected abstract void halfTile(int depth, float[] a, int aOff, float[] src, int base, int[] offsets,
            float[] c, int cOff, int ldc);

    /**
     * One register tile: c[cOff + r * ldc + j] = sum over k < depth of a[aOff + k * MR + r] *
     * src[base + offsets[k] + j], for r < MR and j < tile().
     */
    protected abstract void tile(int depth, float[] a, int aOff, float[] src, int base, int[] offsets, float[] c,
            int cOff, int ldc);
}
