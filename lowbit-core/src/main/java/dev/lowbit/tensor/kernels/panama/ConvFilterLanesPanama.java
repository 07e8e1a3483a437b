package dev.lowbit.tensor.kernels.panama;

import dev.lowbit.tensor.kernels.ConvFilterLanes;
import dev.lowbit.tensor.kernels.ConvFilterLanesKernel;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link ConvFilterLanesKernel} on the Vector API: 2 filter vectors x 7 pixels in 14 accumulators
 * (with the two weight vectors and a broadcast, 17 registers). Measured single-threaded on the
 * issue-12 machine (AVX-512): 48-55 GMAC/s on 3x3 layers of 16-512 channels and 7x7 to 56x56
 * maps, against 25-50 for the per-position direct kernel, whose vector loads at each tap's offset
 * mostly straddle two cache lines. The outputs go to their NCHW planes by scatter, which on
 * these layers costs a few percent.
 */
final class ConvFilterLanesPanama extends ConvFilterLanesKernel {
    private static final VectorSpecies<Float> S = PanamaSpecies.FLOAT;
    private static final int L = S.length();
    private static final ThreadLocal<float[]> BUFFER = ThreadLocal.withInitial(() -> new float[2 * ConvFilterLanes.PIXELS * L]);

    static {
        if (ConvFilterLanes.PIXELS != 7) {
            throw new AssertionError("the tile below is written out for 7 pixels");
        }
    }

    @Override
    public int lanes() {
        return L;
    }

    @Override
    public void tile(int depth, float[] w, int wOff, float[] x, int xOff, int[] taps, float[] bias,
            int biasOff, float[] residual, float[] y, int yOff, int plane, int[] planesA, int[] planesB, int pixels,
            int liveA, int liveB, boolean clamp, float lo, float hi) {
        FloatVector ba = FloatVector.fromArray(S, bias, biasOff);
        FloatVector bb = FloatVector.fromArray(S, bias, biasOff + L);
        FloatVector a0 = ba, a1 = ba, a2 = ba, a3 = ba, a4 = ba, a5 = ba, a6 = ba;
        FloatVector b0 = bb, b1 = bb, b2 = bb, b3 = bb, b4 = bb, b5 = bb, b6 = bb;
        for (int k = 0, wk = wOff; k < depth; k++, wk += 2 * L) {
            int o = xOff + taps[k];
            FloatVector wa = FloatVector.fromArray(S, w, wk);
            FloatVector wb = FloatVector.fromArray(S, w, wk + L);
            FloatVector v = FloatVector.broadcast(S, x[o]);
            a0 = v.fma(wa, a0);
            b0 = v.fma(wb, b0);
            v = FloatVector.broadcast(S, x[o + 1]);
            a1 = v.fma(wa, a1);
            b1 = v.fma(wb, b1);
            v = FloatVector.broadcast(S, x[o + 2]);
            a2 = v.fma(wa, a2);
            b2 = v.fma(wb, b2);
            v = FloatVector.broadcast(S, x[o + 3]);
            a3 = v.fma(wa, a3);
            b3 = v.fma(wb, b3);
            v = FloatVector.broadcast(S, x[o + 4]);
            a4 = v.fma(wa, a4);
            b4 = v.fma(wb, b4);
            v = FloatVector.broadcast(S, x[o + 5]);
            a5 = v.fma(wa, a5);
            b5 = v.fma(wb, b5);
            v = FloatVector.broadcast(S, x[o + 6]);
            a6 = v.fma(wa, a6);
            b6 = v.fma(wb, b6);
        }
        // The sums go through a per-thread buffer to a separate epilogue loop: vectors passed to a
        // helper method, or masked stores in this loop, made C2 box them in some launches (5x slower).
        float[] buf = BUFFER.get();
        a0.intoArray(buf, 0);
        a1.intoArray(buf, 2 * L);
        a2.intoArray(buf, 4 * L);
        a3.intoArray(buf, 6 * L);
        a4.intoArray(buf, 8 * L);
        a5.intoArray(buf, 10 * L);
        a6.intoArray(buf, 12 * L);
        b0.intoArray(buf, L);
        b1.intoArray(buf, 3 * L);
        b2.intoArray(buf, 5 * L);
        b3.intoArray(buf, 7 * L);
        b4.intoArray(buf, 9 * L);
        b5.intoArray(buf, 11 * L);
        b6.intoArray(buf, 13 * L);
        finish(buf, y, yOff, plane, planesA, planesB, pixels, liveA, liveB, residual, clamp, lo, hi);
    }

    /** Pixel p's sums of block b sit at buf[(2p + b) * L]: residual, clamp, scatter to the planes. */
    private static void finish(float[] buf, float[] y, int yOff, int plane, int[] planesA, int[] planesB, int pixels,
            int liveA, int liveB, float[] residual, boolean clamp, float lo, float hi) {
        for (int b = 0; b < 2; b++) {
            int live = b == 0 ? liveA : liveB;
            if (live == 0) {
                continue;
            }
            int[] planes = b == 0 ? planesA : planesB;
            int base = yOff + b * L * plane;
            if (live == L) {
                for (int p = 0; p < pixels; p++) {
                    FloatVector v = FloatVector.fromArray(S, buf, (2 * p + b) * L);
                    if (residual != null) {
                        v = v.add(FloatVector.fromArray(S, residual, base + p, planes, 0));
                    }
                    if (clamp) {
                        v = v.max(lo).min(hi);
                    }
                    v.intoArray(y, base + p, planes, 0);
                }
            } else {
                VectorMask<Float> m = S.indexInRange(0, live);
                for (int p = 0; p < pixels; p++) {
                    FloatVector v = FloatVector.fromArray(S, buf, (2 * p + b) * L);
                    if (residual != null) {
                        v = v.add(FloatVector.fromArray(S, residual, base + p, planes, 0, m));
                    }
                    if (clamp) {
                        v = v.max(lo).min(hi);
                    }
                    v.intoArray(y, base + p, planes, 0, m);
                }
            }
        }
    }
}
