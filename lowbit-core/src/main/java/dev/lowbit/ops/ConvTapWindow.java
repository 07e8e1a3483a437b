package dev.lowbit.ops;

import dev.lowbit.tensor.kernels.ConvGeometry;

/**
 * The kernel taps of a 2-D convolution that ever read the input. On small feature maps many taps
 * only ever see padding (a 3x3 conv on a 1x1 map reads the centre tap alone), and dropping them
 * from the GEMM's K removes their zero multiplications: for CIFAR-size ResNets that is most of the
 * last stage's work. The live taps of each axis form a range, so the reduced problem is again a
 * convolution: the kernel window [kh0, kh1) x [kw0, kw1) with the pads shifted by the dropped rows.
 */
record ConvTapWindow(int kh0, int kh1, int kw0, int kw1) {

    /** The live window, or null when every tap is live (or the geometry is not 2-D). */
    static ConvTapWindow of(ConvGeometry g) {
        if (g.rank() != 2 || g.outSize() == 0) {
            return null;
        }
        int[] h = liveRange(g, 0);
        int[] w = liveRange(g, 1);
        if (h[0] == 0 && h[1] == g.kernel()[0] && w[0] == 0 && w[1] == g.kernel()[1]) {
            return null;
        }
        return new ConvTapWindow(h[0], Math.max(h[0] + 1, h[1]), w[0], Math.max(w[0] + 1, w[1]));
    }

    /** Taps t of axis a with 0 <= o*s - p + t*d < in for some output o: [first, end). */
    private static int[] liveRange(ConvGeometry g, int a) {
        int in = g.in()[a], out = g.out()[a], s = g.strides()[a], p = g.padBegin()[a], d = g.dilations()[a];
        int k = g.kernel()[a];
        int first = -1, end = 0;
        for (int t = 0; t < k; t++) {
            boolean live = -p + t * d <= in - 1 && (out - 1) * s - p + t * d >= 0;
            if (live) {
                if (first < 0) {
                    first = t;
                }
                end = t + 1;
            }
        }
        return first < 0 ? new int[] {0, 1} : new int[] {first, end};
    }

    /** The convolution over this window: same input and output, a smaller kernel, shifted pads (may be negative). */
    ConvGeometry geometry(ConvGeometry g) {
        int[] pads = {g.padBegin()[0] - kh0 * g.dilations()[0], g.padBegin()[1] - kw0 * g.dilations()[1]};
        return new ConvGeometry(g.in(), new int[] {kh1 - kh0, kw1 - kw0}, g.strides(), g.dilations(), pads, g.out());
    }

    /** The weights [filters, channels, kH, kW] cut to this window, as [filters, channels, kh1-kh0, kw1-kw0]. */
    float[] slice(float[] w, int filters, int channels, int kH, int kW) {
        int wh = kh1 - kh0, ww = kw1 - kw0;
        float[] out = new float[filters * channels * wh * ww];
        int i = 0;
        for (int fc = 0; fc < filters * channels; fc++) {
            for (int kh = kh0; kh < kh1; kh++) {
                for (int kw = kw0; kw < kw1; kw++) {
                    out[i++] = w[(fc * kH + kh) * kW + kw];
                }
            }
        }
        return out;
    }

    /** A key for caching packed weights per window. */
    long key() {
        return ((long) kh0 << 48) | ((long) kh1 << 32) | ((long) kw0 << 16) | kw1;
    }
}
