package dev.lowbit.tensor.kernels;

/** The plain-Java {@link ConvPointwiseKernel}. */
final class ConvPointwiseScalar extends ConvPointwiseKernel {
    @Override
    public void image(GemmPacked a, int panel0, int panel1, float[] x, int xOff, int positions, float[] y, int yOff,
            float[] bias, float[] res, boolean clamp, float lo, float hi) {
        imageScalar(a, panel0, panel1, x, xOff, positions, y, yOff, bias, res, clamp, lo, hi);
    }

    @Override
    public void blocked(float[] wT, int channels, int lanes, float[] bias, float[] x, int xOff, int positions, int q0,
            int q1, int fb0, int fb1, float[] y, int yOff, float[] res, float[] scale, float lo, float hi) {
        blockedScalar(wT, channels, lanes, bias, x, xOff, positions, q0, q1, fb0, fb1, y, yOff, res, scale, lo, hi);
    }
}
