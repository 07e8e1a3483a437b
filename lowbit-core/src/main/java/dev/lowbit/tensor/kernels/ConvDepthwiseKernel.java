package dev.lowbit.tensor.kernels;

/**
 * Direct depthwise 2-D convolution of one channel plane (MobileNet's core op; im2col + GEMM would
 * waste its time on a K of kh*kw).
 *
 * <p>The plane is first copied into a zero-bordered scratch buffer split into {@code strideW}
 * column phases (phase q holds padded columns q, q + strideW, ...). Every kernel tap then reads a
 * contiguous run of the scratch for consecutive outputs, whatever the stride, so implementations
 * only supply a unit-stride loop over one output row and need no bounds checks.
 */
public abstract class ConvDepthwiseKernel {
    /** Scratch floats beyond the data, at least the widest vector. */
    static final int SLACK = 64;

    /** Rows narrower than this are computed flat (see {@link Geometry#flat}). */
    static final int FLAT_BELOW = 32;

    /** Geometry of one 2-D depthwise convolution (pads are the top/left ones; the bottom/right follow). */
    public record Geometry(int inH, int inW, int kH, int kW, int strideH, int strideW, int dilH, int dilW,
            int padTop, int padLeft, int outH, int outW) {
        /** Rows of the zero-bordered input the output needs. */
        int paddedH() {
            return (outH - 1) * strideH + (kH - 1) * dilH + 1;
        }

        int paddedW() {
            return (outW - 1) * strideW + (kW - 1) * dilW + 1;
        }

        /** Columns of one phase of the scratch. */
        int phaseW() {
            return (paddedW() + strideW - 1) / strideW;
        }

        /** Scratch floats {@link #plane} needs (with slack so a full vector may read past the last row). */
        public int scratchSize() {
            return flatOffset() + (flat() ? outH * phaseW() + SLACK : 0);
        }

        /**
         * Whether the plane is computed as one flat run of positions oh * phaseW + ow (then copied out
         * row by row) instead of row by row: for narrow rows (7x7, 14x14 maps), where a row is one
         * or two vectors and per-row overhead would dominate. Needs stride 1 down the rows.
         */
        boolean flat() {
            return strideH == 1 && outW < FLAT_BELOW;
        }

        int flatOffset() {
            return dataSize() + SLACK;
        }

        int dataSize() {
            return strideW * paddedH() * phaseW();
        }
    }

    /**
     * y[oh, ow] = bias + sum over taps of w[kh, kw] * x[oh*sh - padTop + kh*dh, ow*sw - padLeft + kw*dw],
     * zero outside the input.
     */
    public final void plane(Geometry g, float[] x, int xOff, float[] w, int wOff, float bias, float[] y, int yOff,
            float[] scratch) {
        int hp = g.paddedH();
        int wq = g.phaseW();
        int sw = g.strideW();
        int phaseSize = hp * wq;
        java.util.Arrays.fill(scratch, 0, g.dataSize(), 0f);
        int rows = Math.min(g.inH(), hp - g.padTop());
        int cols = Math.min(g.inW(), g.paddedW() - g.padLeft());
        for (int r = 0; r < rows; r++) {
            int src = xOff + r * g.inW();
            int dstRow = (r + g.padTop()) * wq;
            if (sw == 1) {
                if (cols > 0) {
                    System.arraycopy(x, src, scratch, dstRow + g.padLeft(), cols);
                }
            } else {
                // Phase q takes the input columns c with (c + padLeft) % sw == q, in order.
                for (int q = 0; q < sw; q++) {
                    int c = Math.floorMod(q - g.padLeft(), sw);
                    int d = q * phaseSize + dstRow + (c + g.padLeft()) / sw;
                    int from = src + c;
                    // A counted loop with a linear index, so the JIT hoists the bounds checks.
                    for (int i = 0, n = (cols - c + sw - 1) / sw; i < n; i++) {
                        scratch[d + i] = x[from + i * sw];
                    }
                }
            }
        }
        int[] taps = new int[g.kH() * g.kW()];
        for (int kh = 0; kh < g.kH(); kh++) {
            for (int kw = 0; kw < g.kW(); kw++) {
                int c = kw * g.dilW();
                taps[kh * g.kW() + kw] = (c % sw) * phaseSize + kh * g.dilH() * wq + c / sw;
            }
        }
        if (g.flat()) {
            // Positions oh * wq + ow for ow in [outW, wq) are computed and dropped by the copy.
            int positions = g.outH() * wq;
            int flat = g.flatOffset();
            row(taps, positions, scratch, 0, w, wOff, bias, scratch, flat, positions + SLACK);
            for (int oh = 0; oh < g.outH(); oh++) {
                System.arraycopy(scratch, flat + oh * wq, y, yOff + oh * g.outW(), g.outW());
            }
            return;
        }
        for (int oh = 0; oh < g.outH(); oh++) {
            row(taps, g.outW(), scratch, oh * g.strideH() * wq, w, wOff, bias, y, yOff + oh * g.outW(),
                    (g.outH() - oh) * g.outW());
        }
    }

    /**
     * One channel over the phase planes of {@link ConvDirectKernel#buildPlanes} (built with
     * {@code channels = 1}), any stride: acc[q] = sum over taps of w[wOff + t] * planes[offsets[t] + q]
     * for the positions q = oh * phW + ow, q < outH * phW (the columns ow >= outW are garbage for the
     * caller to skip). Strided convs get the same flat vector loop as stride 1 this way, instead of a
     * row at a time (MobileNet's stride-2 layers on 14x14 and 7x7 maps were mostly row overhead).
     * {@code acc} needs {@link #flatSize} floats.
     */
    public final void flat(ConvDirectKernel.Plan p, float[] planes, float[] w, int wOff, float[] acc) {
        int positions = p.outH() * p.phW();
        row(p.offsets(), positions, planes, 0, w, wOff, 0f, acc, 0, acc.length);
    }

    /** Floats of the accumulator {@link #flat} writes (outH rows of phW, with vector slack). */
    public static int flatSize(ConvDirectKernel.Plan p) {
        return p.outH() * p.phW() + SLACK;
    }

    /** Slack {@link ConvDirectKernel#buildPlanes} must leave after the planes for {@link #flat}'s vector reads. */
    public static final int PLANE_SLACK = SLACK;

    /**
     * One output row: y[yOff + ow] = bias + sum over t of w[wOff + t] * s[src + taps[t] + ow] for ow < outW.
     * Up to {@code writable} floats from yOff belong to this plane: writing garbage past outW is allowed
     * there (the following rows are computed later and overwrite it), which lets row tails stay vectors.
     */
    protected abstract void row(int[] taps, int outW, float[] s, int src, float[] w, int wOff, float bias, float[] y,
            int yOff, int writable);

    /** Channels {@link #interleavedRow} computes together (its vector width): see {@link ConvDepthwiseBlocked}. */
    public abstract int blockLanes();

    /**
     * One output row in the channel-interleaved layout of {@link ConvDepthwiseBlocked}, L = {@link #blockLanes}:
     * o[oOff + ow * L + l] = min(max(bias[bOff + l] + sum over t of w[wOff + t * L + l] * p[pOff + ow * step
     * + taps[t] + l], lo), hi) for ow < outW and l < L, the taps added in order (infinite bounds: no clamp).
     */
    protected abstract void interleavedRow(int[] taps, int outW, int step, float[] p, int pOff, float[] w, int wOff,
            float[] bias, int bOff, float lo, float hi, float[] o, int oOff);

    /**
     * {@link #interleavedRow} requantized: each output {@code rint(min(max(v * scale[bOff + l], lo),
     * hi)) + 0f} ({@link QuantizeLoops#requantizeShifted}) instead of clamped. Here the row is
     * computed, then requantized in place by the provider's loops; vector kernels may do it in registers.
     */
    protected void interleavedRowRequantized(int[] taps, int outW, int step, float[] p, int pOff, float[] w, int wOff,
            float[] bias, int bOff, float[] scale, float lo, float hi, float[] o, int oOff) {
        interleavedRow(taps, outW, step, p, pOff, w, wOff, bias, bOff, Float.NEGATIVE_INFINITY,
                Float.POSITIVE_INFINITY, o, oOff);
        IntQuantize.requantizeShifted(o, oOff, outW * blockLanes(), scale, bOff, blockLanes(), lo, hi);
    }

    /**
     * Channels [c0, c1) of one image by {@link ConvDepthwiseInPlace}: for each output position i of
     * channel c's plane, y[yOff + c * outPlane + i] = min(max(bias[c] + sum over taps t, in order, of
     * w[c * taps + t] * (valid ? x[xOff + c * inPlane + i + offsets[t]] : 0) (+ res at y's index),
     * lo), hi), each tap a fused multiply-add (bias null: 0; res null: no add). Lanes of a chunk are
     * the kernel's vector lanes ({@link #blockLanes}).
     */
    protected abstract void inPlacePlanes(ConvDepthwiseInPlace.Plan plan, float[] x, int xOff, float[] w,
            float[] bias, int c0, int c1, float[] res, float lo, float hi, float[] y, int yOff);

    /**
     * {@link #inPlacePlanes} one position at a time: the reference, and the plain-Java kernel (its
     * fused multiply-adds are the vector kernels', so both give the same bits).
     */
    protected static void inPlacePlanesScalar(ConvDepthwiseInPlace.Plan plan, float[] x, int xOff, float[] w,
            float[] bias, int c0, int c1, float[] res, float lo, float hi, float[] y, int yOff) {
        for (int c = c0; c < c1; c++) {
            int in = xOff + c * plan.inPlane(), out = yOff + c * plan.outPlane();
            float b = bias == null ? 0f : bias[c];
            for (int j = 0; j < plan.chunks(); j++) {
                inPlaceChunkScalar(plan, x, in, w, c * plan.taps(), b, res, lo, hi, y, out, j);
            }
        }
    }

    /** Chunk {@code j} of one plane of {@link #inPlacePlanes}, one position at a time. */
    protected static void inPlaceChunkScalar(ConvDepthwiseInPlace.Plan plan, float[] x, int in, float[] w, int wOff,
            float bias, float[] res, float lo, float hi, float[] y, int out, int j) {
        int taps = plan.taps(), lanes = plan.lanes();
        int[] offsets = plan.offsets();
        boolean[] valid = plan.valid();
        int end = Math.min(plan.outPlane(), (j + 1) * lanes);
        for (int i = j * lanes; i < end; i++) {
            int v = j * taps * lanes + i % lanes;
            float acc = bias;
            for (int t = 0; t < taps; t++) {
                float xv = valid[v + t * lanes] ? x[in + i + offsets[t]] : 0f;
                acc = Math.fma(xv, w[wOff + t], acc);
            }
            if (res != null) {
                acc += res[out + i];
            }
            y[out + i] = Math.min(Math.max(acc, lo), hi);
        }
    }

    /** Scalar loop for output columns [ow0, outW). */
    protected static void rowScalar(int[] taps, int outW, float[] s, int src, float[] w, int wOff, float bias,
            float[] y, int yOff, int ow0) {
        for (int ow = ow0; ow < outW; ow++) {
            float acc = bias;
            int base = src + ow;
            for (int t = 0; t < taps.length; t++) {
                acc += w[wOff + t] * s[base + taps[t]];
            }
            y[yOff + ow] = acc;
        }
    }
}
