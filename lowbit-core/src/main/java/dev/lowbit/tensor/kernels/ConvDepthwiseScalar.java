package dev.lowbit.tensor.kernels;

/** Plain-Java depthwise convolution rows. */
final class ConvDepthwiseScalar extends ConvDepthwiseKernel {
    @Override
    protected void row(int[] taps, int outW, float[] s, int src, float[] w, int wOff, float bias, float[] y,
            int yOff, int writable) {
        rowScalar(taps, outW, s, src, w, wOff, bias, y, yOff, 0);
    }
}
