package dev.lowbit.tensor.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.lowbit.tensor.Parallel;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The channel-blocked layout: NCHW to blocks and back is the identity with zeros in the dead lanes,
 * and the depthwise convolution on blocks gives the NCHW channel-blocked path's values bit for bit
 * (the same kernel rows on the same zero-bordered buffers), for strides 1 to 3, any padding,
 * dilation 1 and 2, kernels up to 5x5, channel counts ending inside a block, with and without clamp.
 */
class ChannelBlocksTest {
    private static final ConvDepthwiseKernel KERNEL = VectorizationProvider.get().depthwiseConv();
    private final Random rnd = new Random(5);

    private float[] random(int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = rnd.nextFloat() * 2 - 1;
        }
        return a;
    }

    @Test
    void toBlocksAndBackIsTheIdentity() {
        int lanes = KERNEL.blockLanes();
        int threadsBefore = Parallel.threads();
        try {
            for (int trial = 0; trial < 30; trial++) {
                Parallel.setThreads(1 + trial % 3);
                roundTrip(lanes, trial % 4 == 0 ? 1 : 1 + rnd.nextInt(3), 1 + rnd.nextInt(3 * lanes),
                        trial % 4 == 0 ? 500 + rnd.nextInt(300) : 1 + rnd.nextInt(50));
            }
        } finally {
            Parallel.setThreads(threadsBefore);
        }
    }

    /** One image of many positions (split into runs of them) or a few small images. */
    private void roundTrip(int lanes, int batch, int channels, int positions) {
        float[] x = random(batch * channels * positions);
        int blocks = ChannelBlocks.blocks(channels, lanes);
        float[] b = new float[batch * blocks * positions * lanes];
        Arrays.fill(b, Float.NaN);
        ChannelBlocks.toBlocks(x, batch, channels, positions, lanes, b);
        for (int n = 0; n < batch; n++) {
            for (int c = 0; c < blocks * lanes; c++) {
                for (int q = 0; q < positions; q++) {
                    float v = b[((n * blocks + c / lanes) * positions + q) * lanes + c % lanes];
                    assertEquals(c < channels ? x[(n * channels + c) * positions + q] : 0f, v, 0f);
                }
            }
        }
        float[] back = new float[x.length];
        ChannelBlocks.fromBlocks(b, batch, channels, positions, lanes, back);
        assertArrayEquals(x, back, 0f);
    }

    @Test
    void depthwiseOnBlocksEqualsTheNchwBlockedPath() {
        int threadsBefore = Parallel.threads();
        try {
            for (int trial = 0; trial < 60; trial++) {
                // Up to 3 threads over few blocks: the rows of a block are split between tasks.
                Parallel.setThreads(1 + trial % 3);
                depthwiseTrial(trial);
            }
        } finally {
            Parallel.setThreads(threadsBefore);
        }
    }

    private void depthwiseTrial(int trial) {
        int lanes = KERNEL.blockLanes();
        int batch = 1 + rnd.nextInt(3), channels = 1 + rnd.nextInt(3 * lanes);
        int h = 1 + rnd.nextInt(15), w = 1 + rnd.nextInt(15);
        int k = 1 + rnd.nextInt(5), s = 1 + rnd.nextInt(3), d = trial % 5 == 0 ? 2 : 1;
        int span = (k - 1) * d + 1;
        int pt = rnd.nextInt(k), pl = rnd.nextInt(k), pb = rnd.nextInt(k), pr = rnd.nextInt(k);
        if (h + pt + pb < span || w + pl + pr < span) {
            return;
        }
        int oh = (h + pt + pb - span) / s + 1, ow = (w + pl + pr - span) / s + 1;
        ConvGeometry geo = new ConvGeometry(new int[] {h, w}, new int[] {k, k}, new int[] {s, s},
                new int[] {d, d}, new int[] {pt, pl}, new int[] {oh, ow});
        float[] x = random(batch * channels * h * w), wt = random(channels * k * k);
        float[] bias = trial % 3 == 0 ? null : random(channels);
        boolean clamp = trial % 2 == 0;
        ConvDepthwiseBlocked.Weights weights = ConvDepthwiseBlocked.Weights.of(KERNEL, wt, bias, channels, k * k);
        float[] expected = new float[batch * channels * oh * ow];
        ConvDepthwiseBlocked.run(KERNEL, geo, weights, x, batch, channels, expected, null, clamp, -0.5f, 0.5f);
        int blocks = ChannelBlocks.blocks(channels, lanes);
        float[] xb = new float[batch * blocks * h * w * lanes];
        ChannelBlocks.toBlocks(x, batch, channels, h * w, lanes, xb);
        float[] yb = new float[batch * blocks * oh * ow * lanes];
        ConvDepthwiseBlocked.runOnBlocks(KERNEL, geo, weights, xb, batch, channels, yb, clamp, -0.5f, 0.5f, null);
        float[] actual = new float[expected.length];
        ChannelBlocks.fromBlocks(yb, batch, channels, oh * ow, lanes, actual);
        assertArrayEquals(expected, actual, 0f, "trial " + trial + " " + channels + " channels " + h + "x" + w
                + " k" + k + " s" + s + " d" + d);
    }

    /** 8-bit tensors go into blocks as {@code value - zp} floats and come back as the same bytes. */
    @Test
    void bytesGoToShiftedBlocksAndBack() {
        int lanes = KERNEL.blockLanes();
        for (boolean unsigned : new boolean[] {true, false}) {
            int batch = 2, channels = lanes + 3, positions = 37, zp = unsigned ? 131 : -9;
            byte[] q = new byte[batch * channels * positions];
            rnd.nextBytes(q);
            float[] b = new float[batch * 2 * positions * lanes];
            Arrays.fill(b, Float.NaN);
            ChannelBlocks.toBlocks(q, unsigned, zp, batch, channels, positions, lanes, b);
            for (int n = 0; n < batch; n++) {
                for (int c = 0; c < 2 * lanes; c++) {
                    for (int p = 0; p < positions; p++) {
                        float v = b[((n * 2 + c / lanes) * positions + p) * lanes + c % lanes];
                        byte x = c < channels ? q[(n * channels + c) * positions + p] : 0;
                        assertEquals(c < channels ? (unsigned ? x & 0xFF : x) - zp : 0, v, 0f);
                    }
                }
            }
            byte[] back = new byte[q.length];
            ChannelBlocks.fromBlocks(b, zp, batch, channels, positions, lanes, back);
            assertArrayEquals(q, back);
        }
    }

    /**
     * A requantizing depthwise convolution on blocks (integer operands: exact sums, so bit for bit)
     * equals the plain one followed by the plain-Java requantization, 3x3 (in registers) and 5x5
     * kernels, on 1 to 3 threads.
     */
    @Test
    void requantizedDepthwiseOnBlocksEqualsRequantizingAfter() {
        int lanes = KERNEL.blockLanes();
        QuantizeLoops plain = VectorizationProvider.scalar().quantize();
        int threadsBefore = Parallel.threads();
        try {
            for (int trial = 0; trial < 20; trial++) {
                Parallel.setThreads(1 + trial % 3);
                int batch = 1 + rnd.nextInt(2), channels = 1 + rnd.nextInt(3 * lanes), h = 1 + rnd.nextInt(9);
                int w = 1 + rnd.nextInt(9), s = 1 + trial % 2, k = trial % 3 == 0 ? 5 : 3, pad = k / 2;
                int oh = (h + 2 * pad - k) / s + 1, ow = (w + 2 * pad - k) / s + 1;
                ConvGeometry geo = new ConvGeometry(new int[] {h, w}, new int[] {k, k}, new int[] {s, s},
                        new int[] {1, 1}, new int[] {pad, pad}, new int[] {oh, ow});
                int blocks = ChannelBlocks.blocks(channels, lanes);
                float[] wt = new float[channels * k * k], bias = new float[channels];
                float[] scale = new float[blocks * lanes];
                for (int i = 0; i < wt.length; i++) {
                    wt[i] = rnd.nextInt(255) - 127;
                }
                for (int c = 0; c < channels; c++) {
                    bias[c] = rnd.nextInt(2001) - 1000;
                    scale[c] = (float) Math.pow(10, -2 - 2 * rnd.nextDouble());
                }
                byte[] q = new byte[batch * channels * h * w];
                rnd.nextBytes(q);
                float[] x = new float[batch * blocks * h * w * lanes];
                ChannelBlocks.toBlocks(q, true, 120, batch, channels, h * w, lanes, x);
                ConvDepthwiseBlocked.Weights weights = ConvDepthwiseBlocked.Weights.of(KERNEL, wt, bias, channels, k * k);
                float[] fused = new float[batch * blocks * oh * ow * lanes], after = new float[fused.length];
                ConvDepthwiseBlocked.runOnBlocks(KERNEL, geo, weights, x, batch, channels, fused, true, -10, 100, scale);
                ConvDepthwiseBlocked.runOnBlocks(KERNEL, geo, weights, x, batch, channels, after, false, 0, 0, null);
                for (int t = 0; t < batch * blocks; t++) {
                    plain.requantizeShifted(after, t * oh * ow * lanes, oh * ow * lanes, scale, (t % blocks) * lanes,
                            lanes, -10, 100);
                }
                assertArrayEquals(after, fused, 0f, "trial " + trial);
            }
        } finally {
            Parallel.setThreads(threadsBefore);
        }
    }
}
