package dev.lowbit.tensor.kernels;

/** Plain-Java depthwise convolution rows. */
final class ConvDepthwiseScalar extends ConvDepthwiseKernel {
    @Override
    void row(Geometry g, float[] s, int src, int wp, float[] w, int wOff, float bias, float[] y, int yOff) {
        rowScalar(g, s, src, wp, w, wOff, bias, y, yOff, 0);
    }
}
