package dev.lowbit.tensor.kernels.panama;

import dev.lowbit.tensor.kernels.ConvDepthwiseInPlace;
import dev.lowbit.tensor.kernels.ConvDepthwiseKernel;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;

/**
 * Vector API depthwise convolution rows: each vector of outputs accumulates all taps in a register
 * (contiguous loads thanks to the phase-split scratch); 3x3 kernels, the MobileNet case, have their
 * taps unrolled with the weights held in registers. A row's tail is a full vector spilling into the next
 * row (overwritten later) except on a plane's last row, which ends in a masked vector (scalar code
 * where the vector would cross an array's end: there masked accesses take the Vector API's slow path).
 */
final class ConvDepthwisePanama extends ConvDepthwiseKernel {
    private static final float ROUNDING_MAGIC = 12582912f; // 1.5 * 2^23

    private static final VectorSpecies<Float> S = PanamaSpecies.FLOAT;
    private static final int V = S.length();

    @Override
    protected void row(int[] taps, int outW, float[] s, int src, float[] w, int wOff, float bias, float[] y,
            int yOff, int writable) {
        if (taps.length == 9) {
            row9(taps, outW, s, src, w, wOff, bias, y, yOff, writable);
            return;
        }
        FloatVector vb = FloatVector.broadcast(S, bias);
        int ow = 0;
        for (; ow < outW && ow + V <= writable; ow += V) {
            FloatVector acc = vb;
            int base = src + ow;
            for (int t = 0; t < taps.length; t++) {
                acc = FloatVector.fromArray(S, s, base + taps[t]).fma(FloatVector.broadcast(S, w[wOff + t]), acc);
            }
            acc.intoArray(y, yOff + ow);
        }
        if (ow < outW && fits(s, src + ow, taps) && yOff + ow + V <= y.length) {
            VectorMask<Float> m = S.indexInRange(ow, outW);
            FloatVector acc = vb;
            int base = src + ow;
            for (int t = 0; t < taps.length; t++) {
                acc = FloatVector.fromArray(S, s, base + taps[t], m).fma(FloatVector.broadcast(S, w[wOff + t]), acc);
            }
            acc.intoArray(y, yOff + ow, m);
            return;
        }
        rowScalar(taps, outW, s, src, w, wOff, bias, y, yOff, ow);
    }

    /**
     * Whether a whole vector at every tap of {@code base} lies inside the scratch: then a masked
     * tail is a fast vector op (outside, the Vector API checks lane by lane and is far slower).
     */
    private static boolean fits(float[] s, int base, int[] taps) {
        int max = 0;
        for (int t : taps) {
            max = Math.max(max, t);
        }
        return base + max + V <= s.length;
    }

    private static void row9(int[] taps, int outW, float[] s, int src, float[] w, int wOff, float bias, float[] y,
            int yOff, int writable) {
        FloatVector w0 = FloatVector.broadcast(S, w[wOff + 0]);
        FloatVector w1 = FloatVector.broadcast(S, w[wOff + 1]);
        FloatVector w2 = FloatVector.broadcast(S, w[wOff + 2]);
        FloatVector w3 = FloatVector.broadcast(S, w[wOff + 3]);
        FloatVector w4 = FloatVector.broadcast(S, w[wOff + 4]);
        FloatVector w5 = FloatVector.broadcast(S, w[wOff + 5]);
        FloatVector w6 = FloatVector.broadcast(S, w[wOff + 6]);
        FloatVector w7 = FloatVector.broadcast(S, w[wOff + 7]);
        FloatVector w8 = FloatVector.broadcast(S, w[wOff + 8]);
        int t0 = src + taps[0];
        int t1 = src + taps[1];
        int t2 = src + taps[2];
        int t3 = src + taps[3];
        int t4 = src + taps[4];
        int t5 = src + taps[5];
        int t6 = src + taps[6];
        int t7 = src + taps[7];
        int t8 = src + taps[8];
        FloatVector vb = FloatVector.broadcast(S, bias);
        int ow = 0;
        for (; ow < outW && ow + V <= writable; ow += V) {
            FloatVector acc = FloatVector.fromArray(S, s, t0 + ow).fma(w0, vb);
            acc = FloatVector.fromArray(S, s, t1 + ow).fma(w1, acc);
            acc = FloatVector.fromArray(S, s, t2 + ow).fma(w2, acc);
            acc = FloatVector.fromArray(S, s, t3 + ow).fma(w3, acc);
            acc = FloatVector.fromArray(S, s, t4 + ow).fma(w4, acc);
            acc = FloatVector.fromArray(S, s, t5 + ow).fma(w5, acc);
            acc = FloatVector.fromArray(S, s, t6 + ow).fma(w6, acc);
            acc = FloatVector.fromArray(S, s, t7 + ow).fma(w7, acc);
            acc = FloatVector.fromArray(S, s, t8 + ow).fma(w8, acc);
            acc.intoArray(y, yOff + ow);
        }
        if (ow < outW && fits(s, src + ow, taps) && yOff + ow + V <= y.length) {
            row9Masked(taps, outW, s, src, w, wOff, bias, y, yOff, ow);
            return;
        }
        rowScalar(taps, outW, s, src, w, wOff, bias, y, yOff, ow);
    }

    /**
     * The plane's last row: a masked vector rather than scalar code (rows of 7 or 14 would otherwise
     * be mostly scalar). A method of its own because with it inlined row9 was too big for the client
     * compiler's register allocator ("out of virtual registers"): its on-stack-replacement compile
     * then failed and some JVM runs kept the whole depthwise loop in unoptimised, vector-boxing code,
     * four times slower.
     */
    private static void row9Masked(int[] taps, int outW, float[] s, int src, float[] w, int wOff, float bias,
            float[] y, int yOff, int ow) {
        VectorMask<Float> m = S.indexInRange(ow, outW);
        int base = src + ow;
        FloatVector acc = FloatVector.broadcast(S, bias);
        for (int t = 0; t < 9; t++) {
            acc = FloatVector.fromArray(S, s, base + taps[t], m).fma(FloatVector.broadcast(S, w[wOff + t]), acc);
        }
        acc.intoArray(y, yOff + ow, m);
    }

    @Override
    public int blockLanes() {
        return V;
    }

    /** One vector of channels per output; 3x3 kernels keep their nine weight vectors in registers. */
    @Override
    protected void interleavedRow(int[] taps, int outW, int step, float[] p, int pOff, float[] w, int wOff,
            float[] bias, int bOff, float lo, float hi, float[] o, int oOff) {
        if (taps.length == 9) {
            interleavedRow9(taps, outW, step, p, pOff, w, wOff, bias, bOff, lo, hi, o, oOff);
            return;
        }
        FloatVector vb = FloatVector.fromArray(S, bias, bOff);
        for (int ow = 0; ow < outW; ow++) {
            int base = pOff + ow * step;
            FloatVector acc = vb;
            for (int t = 0; t < taps.length; t++) {
                acc = FloatVector.fromArray(S, p, base + taps[t]).fma(FloatVector.fromArray(S, w, wOff + t * V), acc);
            }
            acc.max(lo).min(hi).intoArray(o, oOff + ow * V);
        }
    }

    /**
     * 3x3 rows requantized in registers; other kernel sizes through the row and a pass over it. The
     * 3x3 loop is interleavedRow9's with another store, not a flag in it: a branch between two
     * epilogues would merge vector values in phis the JIT boxes (see PanamaEpilogueLoops).
     */
    @Override
    protected void interleavedRowRequantized(int[] taps, int outW, int step, float[] p, int pOff, float[] w, int wOff,
            float[] bias, int bOff, float[] scale, float lo, float hi, float[] o, int oOff) {
        if (taps.length != 9) {
            super.interleavedRowRequantized(taps, outW, step, p, pOff, w, wOff, bias, bOff, scale, lo, hi, o, oOff);
            return;
        }
        FloatVector w0 = FloatVector.fromArray(S, w, wOff);
        FloatVector w1 = FloatVector.fromArray(S, w, wOff + V);
        FloatVector w2 = FloatVector.fromArray(S, w, wOff + 2 * V);
        FloatVector w3 = FloatVector.fromArray(S, w, wOff + 3 * V);
        FloatVector w4 = FloatVector.fromArray(S, w, wOff + 4 * V);
        FloatVector w5 = FloatVector.fromArray(S, w, wOff + 5 * V);
        FloatVector w6 = FloatVector.fromArray(S, w, wOff + 6 * V);
        FloatVector w7 = FloatVector.fromArray(S, w, wOff + 7 * V);
        FloatVector w8 = FloatVector.fromArray(S, w, wOff + 8 * V);
        FloatVector vb = FloatVector.fromArray(S, bias, bOff);
        FloatVector vs = FloatVector.fromArray(S, scale, bOff);
        int t0 = taps[0], t1 = taps[1], t2 = taps[2], t3 = taps[3], t4 = taps[4];
        int t5 = taps[5], t6 = taps[6], t7 = taps[7], t8 = taps[8];
        for (int ow = 0; ow < outW; ow++) {
            int b = pOff + ow * step;
            FloatVector acc = FloatVector.fromArray(S, p, b + t0).fma(w0, vb);
            acc = FloatVector.fromArray(S, p, b + t1).fma(w1, acc);
            acc = FloatVector.fromArray(S, p, b + t2).fma(w2, acc);
            acc = FloatVector.fromArray(S, p, b + t3).fma(w3, acc);
            acc = FloatVector.fromArray(S, p, b + t4).fma(w4, acc);
            acc = FloatVector.fromArray(S, p, b + t5).fma(w5, acc);
            acc = FloatVector.fromArray(S, p, b + t6).fma(w6, acc);
            acc = FloatVector.fromArray(S, p, b + t7).fma(w7, acc);
            acc = FloatVector.fromArray(S, p, b + t8).fma(w8, acc);
            // Rounding half to even by adding and removing 1.5 * 2^23 (|value| <= 255 after the clamp).
            acc.mul(vs).max(lo).min(hi).add(ROUNDING_MAGIC).sub(ROUNDING_MAGIC).intoArray(o, oOff + ow * V);
        }
    }

    private static void interleavedRow9(int[] taps, int outW, int step, float[] p, int pOff, float[] w, int wOff,
            float[] bias, int bOff, float lo, float hi, float[] o, int oOff) {
        FloatVector w0 = FloatVector.fromArray(S, w, wOff);
        FloatVector w1 = FloatVector.fromArray(S, w, wOff + V);
        FloatVector w2 = FloatVector.fromArray(S, w, wOff + 2 * V);
        FloatVector w3 = FloatVector.fromArray(S, w, wOff + 3 * V);
        FloatVector w4 = FloatVector.fromArray(S, w, wOff + 4 * V);
        FloatVector w5 = FloatVector.fromArray(S, w, wOff + 5 * V);
        FloatVector w6 = FloatVector.fromArray(S, w, wOff + 6 * V);
        FloatVector w7 = FloatVector.fromArray(S, w, wOff + 7 * V);
        FloatVector w8 = FloatVector.fromArray(S, w, wOff + 8 * V);
        FloatVector vb = FloatVector.fromArray(S, bias, bOff);
        int t0 = taps[0], t1 = taps[1], t2 = taps[2], t3 = taps[3], t4 = taps[4];
        int t5 = taps[5], t6 = taps[6], t7 = taps[7], t8 = taps[8];
        for (int ow = 0; ow < outW; ow++) {
            int b = pOff + ow * step;
            FloatVector acc = FloatVector.fromArray(S, p, b + t0).fma(w0, vb);
            acc = FloatVector.fromArray(S, p, b + t1).fma(w1, acc);
            acc = FloatVector.fromArray(S, p, b + t2).fma(w2, acc);
            acc = FloatVector.fromArray(S, p, b + t3).fma(w3, acc);
            acc = FloatVector.fromArray(S, p, b + t4).fma(w4, acc);
            acc = FloatVector.fromArray(S, p, b + t5).fma(w5, acc);
            acc = FloatVector.fromArray(S, p, b + t6).fma(w6, acc);
            acc = FloatVector.fromArray(S, p, b + t7).fma(w7, acc);
            acc = FloatVector.fromArray(S, p, b + t8).fma(w8, acc);
            acc.max(lo).min(hi).intoArray(o, oOff + ow * V);
        }
    }

    /**
     * Channel by channel, each plane's chunks of V positions as vectors, every tap a masked load (off
     * the input's edges nothing is read) and a fused multiply-add. Two chunks at a time: each tap's
     * add waits for the previous one, and with one chain in flight the loop ran at the FMA's latency
     * (160 channels 7x7, 32 images: 150 against 220 us; four chains were no faster). A loop over the
     * taps: unrolled for 3x3 with the weights held in registers, the method was too big for the
     * client compiler (see row9Masked) and 1.5x slower in the server compiler's code.
     */
    @Override
    protected void inPlacePlanes(ConvDepthwiseInPlace.Plan plan, float[] x, int xOff, float[] w, float[] bias,
            int c0, int c1, float[] res, float lo, float hi, float[] y, int yOff) {
        for (int c = c0; c < c1; c++) {
            int in = xOff + c * plan.inPlane(), out = yOff + c * plan.outPlane();
            float b = bias == null ? 0f : bias[c];
            inPlacePlane(plan, x, in, w, c * plan.taps(), b, res, lo, hi, y, out);
        }
    }

    private static void inPlacePlane(ConvDepthwiseInPlace.Plan plan, float[] x, int in, float[] w, int wOff,
            float bias, float[] res, float lo, float hi, float[] y, int out) {
        int taps = plan.taps();
        int[] offsets = plan.offsets();
        boolean[] valid = plan.valid();
        FloatVector vb = FloatVector.broadcast(S, bias);
        int lowest = plan.minOffset(), highest = plan.maxOffset() + V;
        int chunks = plan.chunks();
        int j = 0;
        for (; j + 1 < chunks; j += 2) {
            int p = in + j * V, v = j * taps * V;
            if (p + lowest < 0 || p + V + highest > x.length) {
                break;
            }
            FloatVector acc0 = vb, acc1 = vb;
            for (int t = 0; t < taps; t++) {
                FloatVector wt = FloatVector.broadcast(S, w[wOff + t]);
                VectorMask<Float> m0 = VectorMask.fromArray(S, valid, v + t * V);
                VectorMask<Float> m1 = VectorMask.fromArray(S, valid, v + (taps + t) * V);
                acc0 = FloatVector.fromArray(S, x, p + offsets[t], m0).fma(wt, acc0);
                acc1 = FloatVector.fromArray(S, x, p + V + offsets[t], m1).fma(wt, acc1);
            }
            finishChunk(acc0, plan.outPlane(), j * V, res, lo, hi, y, out);
            finishChunk(acc1, plan.outPlane(), (j + 1) * V, res, lo, hi, y, out);
        }
        for (; j < chunks; j++) {
            int p = in + j * V, v = j * taps * V;
            if (p + lowest < 0 || p + highest > x.length) {
                // Taps past the array's ends (the first and last planes of a tensor): a masked load
                // there takes the Vector API's lane-by-lane path, and with it compiled into the loop
                // the server compiler's code for every chunk was up to twice as slow.
                inPlaceChunkScalar(plan, x, in, w, wOff, bias, res, lo, hi, y, out, j);
                continue;
            }
            FloatVector acc = vb;
            for (int t = 0; t < taps; t++) {
                VectorMask<Float> m = VectorMask.fromArray(S, valid, v + t * V);
                acc = FloatVector.fromArray(S, x, p + offsets[t], m).fma(FloatVector.broadcast(S, w[wOff + t]), acc);
            }
            finishChunk(acc, plan.outPlane(), j * V, res, lo, hi, y, out);
        }
    }

    /** Residual, clamp and store of the chunk at position {@code i} (a masked tail on a plane's last chunk). */
    private static void finishChunk(FloatVector acc, int positions, int i, float[] res, float lo, float hi,
            float[] y, int out) {
        if (i + V <= positions) {
            if (res != null) {
                acc = acc.add(FloatVector.fromArray(S, res, out + i));
            }
            acc.max(lo).min(hi).intoArray(y, out + i);
            return;
        }
        VectorMask<Float> m = S.indexInRange(i, positions);
        if (res != null) {
            acc = acc.add(FloatVector.fromArray(S, res, out + i, m));
        }
        acc.max(lo).min(hi).intoArray(y, out + i, m);
    }
}
