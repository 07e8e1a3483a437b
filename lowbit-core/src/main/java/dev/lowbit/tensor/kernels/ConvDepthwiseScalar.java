package dev.lowbit.tensor.kernels;

/** Plain-Java depthwise convolution rows. */
final class ConvDepthwiseScalar extends ConvDepthwiseKernel {
    /**
     * Four outputs at a time, so each weight is loaded once per four multiply-adds; each output
     * still starts from the bias and adds its taps in order, like {@link #rowScalar} (the tail).
     */
    @Override
    protected void row(int[] taps, int outW, float[] s, int src, float[] w, int wOff, float bias, float[] y,
            int yOff, int writable) {
        int ow = 0;
        for (; ow + 4 <= outW; ow += 4) {
            float a0 = bias, a1 = bias, a2 = bias, a3 = bias;
            int base = src + ow;
            for (int t = 0; t < taps.length; t++) {
                float wt = w[wOff + t];
                int p = base + taps[t];
                a0 += wt * s[p];
                a1 += wt * s[p + 1];
                a2 += wt * s[p + 2];
                a3 += wt * s[p + 3];
            }
            y[yOff + ow] = a0;
            y[yOff + ow + 1] = a1;
            y[yOff + ow + 2] = a2;
            y[yOff + ow + 3] = a3;
        }
        rowScalar(taps, outW, s, src, w, wOff, bias, y, yOff, ow);
    }

    /** Eight channels at a time, each a plain sum in tap order (the vector loop's lanes, one by one). */
    @Override
    public int blockLanes() {
        return 8;
    }

    @Override
    protected void interleavedRow(int[] taps, int outW, int step, float[] p, int pOff, float[] w, int wOff,
            float[] bias, int bOff, float lo, float hi, float[] o, int oOff) {
        int lanes = blockLanes();
        for (int ow = 0; ow < outW; ow++) {
            int base = pOff + ow * step;
            for (int l = 0; l < lanes; l++) {
                float acc = bias[bOff + l];
                for (int t = 0; t < taps.length; t++) {
                    acc += w[wOff + t * lanes + l] * p[base + taps[t] + l];
                }
                o[oOff + ow * lanes + l] = Math.min(Math.max(acc, lo), hi);
            }
        }
    }

    @Override
    protected void inPlacePlanes(ConvDepthwiseInPlace.Plan plan, float[] x, int xOff, float[] w, float[] bias,
            int c0, int c1, float[] res, float lo, float hi, float[] y, int yOff) {
        inPlacePlanesScalar(plan, x, xOff, w, bias, c0, c1, res, lo, hi, y, yOff);
    }
}
