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
}
