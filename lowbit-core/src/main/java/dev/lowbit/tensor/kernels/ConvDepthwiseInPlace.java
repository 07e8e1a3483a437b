package dev.lowbit.tensor.kernels;

import dev.lowbit.tensor.Parallel;
import java.util.Arrays;

/**
 * Depthwise 2-D convolution read straight from the NCHW input, without copying it anywhere, for
 * stride 1 with output rows as wide as the input's ("same" padding across: MobileNet's stride-1
 * layers). Then output position i = oh * W + ow reads, for tap t, the input element i + offset[t] of
 * its channel's plane, so consecutive outputs read consecutive inputs: a whole plane is one flat run
 * of vectors. Taps that fall outside the input (a row above or below, a column past the left or
 * right edge, which in a flat plane wraps to the neighbouring row) are masked off: a per chunk of
 * {@code lanes} positions and per tap validity table made once per geometry. A masked-off tap adds
 * 0 * w, exactly what the zero-bordered copies of the other paths add.
 *
 * <p>Why: on MobileNet's 7x7 to 28x28 maps the other paths spent much of their time copying, either
 * transposing channel blocks into an interleaved buffer and back ({@link ConvDepthwiseBlocked}) or
 * copying each plane into zero-bordered phase planes. Measured in one JVM, 2 threads, 3x3 kernels,
 * best of 12 (in place / per plane / channel-blocked, microseconds): 160 channels 7x7, 32 images:
 * 150 / 361 / 244; 64 channels 14x14, 32 images: 185 / 272 / 352; 144 channels 28x28, 8 images: 372 /
 * 410 / 800. Same bits as the per-plane path (the same fused multiply-adds in the same order).
 */
public final class ConvDepthwiseInPlace {
    /** Channels per parallel task. */
    private static final int CHANNELS_PER_TASK = 16;

    private ConvDepthwiseInPlace() {
    }

    /**
     * Output planes up to this many positions go in place. Past it the validity table outgrows the L1
     * cache (taps bytes per position) and the per-plane path, whose rows need no masks, is as fast or
     * faster: at 56x56, 3x3, 2 images of 32 channels, 84 against 81 us; at 112x112 361 against 307 us;
     * up to 28x28 in place wins.
     */
    static final int MAX_POSITIONS = 1024;

    /**
     * Whether the geometry reads each plane as one flat run (2-D, stride 1, output rows as wide as
     * the input's) and its plane is small enough for this path to be the fastest.
     */
    public static boolean suits(ConvGeometry geo) {
        return geo.rank() == 2 && geo.strides()[0] == 1 && geo.strides()[1] == 1 && geo.out()[1] == geo.in()[1]
                && geo.outSize() > 0 && geo.outSize() <= MAX_POSITIONS;
    }

    /**
     * The flat offsets of the taps and which of them are inside the input for every output position:
     * {@code valid[(chunk * taps + t) * lanes + lane]} for position chunk * lanes + lane (false past
     * the last position, so the last chunk's dead lanes read nothing), and the lowest and highest
     * offset (where a chunk's taps could leave the input array).
     */
    public record Plan(int inPlane, int outPlane, int lanes, int chunks, int[] offsets, boolean[] valid,
            int minOffset, int maxOffset) {
        /** The plan of a geometry that {@link #suits} this path, for chunks of {@code lanes} positions. */
        public static Plan of(ConvGeometry geo, int lanes) {
            int inH = geo.in()[0], width = geo.in()[1];
            int outPlane = geo.outSize();
            int kH = geo.kernel()[0], kW = geo.kernel()[1], taps = kH * kW;
            int chunks = (outPlane + lanes - 1) / lanes;
            int[] offsets = new int[taps];
            boolean[] valid = new boolean[chunks * taps * lanes];
            for (int kh = 0; kh < kH; kh++) {
                for (int kw = 0; kw < kW; kw++) {
                    int t = kh * kW + kw;
                    int dy = kh * geo.dilations()[0] - geo.padBegin()[0];
                    int dx = kw * geo.dilations()[1] - geo.padBegin()[1];
                    offsets[t] = dy * width + dx;
                    for (int i = 0; i < outPlane; i++) {
                        int row = i / width + dy, col = i % width + dx;
                        valid[(i / lanes * taps + t) * lanes + i % lanes] = row >= 0 && row < inH && col >= 0
                                && col < width;
                    }
                }
            }
            return new Plan(inH * width, outPlane, lanes, chunks, offsets, valid,
                    Arrays.stream(offsets).min().orElse(0), Arrays.stream(offsets).max().orElse(0));
        }

        public int taps() {
            return offsets.length;
        }
    }

    /**
     * y = clamp(depthwise(x) + bias + res) for {@code batch} images of {@code channels} planes, with
     * weights w[channel][tap] as ONNX lays them out (bias and res may be null; no clamp unless
     * {@code clamp}: without a residual the clamp follows the bias, with one it follows the add).
     */
    public static void run(ConvDepthwiseKernel kernel, Plan plan, float[] x, float[] w, float[] bias, int batch,
            int channels, float[] y, float[] res, boolean clamp, float lo, float hi) {
        float l = clamp ? lo : Float.NEGATIVE_INFINITY, h = clamp ? hi : Float.POSITIVE_INFINITY;
        int blocks = (channels + CHANNELS_PER_TASK - 1) / CHANNELS_PER_TASK;
        Parallel.forRange(batch * blocks, 1, (t0, t1) -> {
            for (int t = t0; t < t1; t++) {
                int n = t / blocks, c0 = (t % blocks) * CHANNELS_PER_TASK;
                int c1 = Math.min(channels, c0 + CHANNELS_PER_TASK);
                kernel.inPlacePlanes(plan, x, n * channels * plan.inPlane(), w, bias, c0, c1, res, l, h, y,
                        n * channels * plan.outPlane());
            }
        });
    }
}
