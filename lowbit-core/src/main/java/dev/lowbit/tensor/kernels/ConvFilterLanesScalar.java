package dev.lowbit.tensor.kernels;

/** Plain-Java {@link ConvFilterLanesKernel}: the reference the Vector API tile is tested against. */
final class ConvFilterLanesScalar extends ConvFilterLanesKernel {
    /** Filters per block: a 256-bit vector's lanes, so tests also cover a width other than 512 bits. */
    static final int LANES = 8;
    /** One pixel's accumulators, per thread (a tile runs on one thread). */
    private static final ThreadLocal<float[]> ACC = ThreadLocal.withInitial(() -> new float[2 * LANES]);

    @Override
    public int lanes() {
        return LANES;
    }

    @Override
    public void tile(int depth, float[] w, int wOff, float[] x, int xOff, int[] taps, float[] bias,
            int biasOff, float[] residual, float[] y, int yOff, int plane, int[] planesA, int[] planesB, int pixels,
            int liveA, int liveB, boolean clamp, float lo, float hi) {
        float[] acc = ACC.get();
        for (int p = 0; p < pixels; p++) {
            System.arraycopy(bias, biasOff, acc, 0, 2 * LANES);
            for (int k = 0, wk = wOff; k < depth; k++, wk += 2 * LANES) {
                float v = x[xOff + taps[k] + p];
                for (int j = 0; j < 2 * LANES; j++) {
                    acc[j] += w[wk + j] * v;
                }
            }
            for (int b = 0; b < 2; b++) {
                int live = b == 0 ? liveA : liveB;
                int[] planes = b == 0 ? planesA : planesB;
                for (int l = 0; l < live; l++) {
                    int o = yOff + b * LANES * plane + planes[l] + p;
                    float v = acc[b * LANES + l];
                    if (residual != null) {
                        v += residual[o];
                    }
                    y[o] = clamp ? Math.min(Math.max(v, lo), hi) : v;
                }
            }
        }
    }
}
