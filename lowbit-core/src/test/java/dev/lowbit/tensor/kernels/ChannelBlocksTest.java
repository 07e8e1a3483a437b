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
        ConvDepthwiseBlocked.runOnBlocks(KERNEL, geo, weights, xb, batch, channels, yb, clamp, -0.5f, 0.5f);
        float[] actual = new float[expected.length];
        ChannelBlocks.fromBlocks(yb, batch, channels, oh * ow, lanes, actual);
        assertArrayEquals(expected, actual, 0f, "trial " + trial + " " + channels + " channels " + h + "x" + w
                + " k" + k + " s" + s + " d" + d);
    }
}
