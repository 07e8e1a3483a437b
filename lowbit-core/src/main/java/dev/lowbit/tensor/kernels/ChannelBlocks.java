package dev.lowbit.tensor.kernels;

import dev.lowbit.tensor.Parallel;
import java.util.Arrays;

/**
 * The channel-blocked activation layout and its conversions: an NCHW tensor [N, C, H, W] as
 * [N, C / L, H, W, L] (channels padded up to whole blocks), L channels of one position next to
 * each other, so that kernels put channels in the vector lanes (the layout ONNX Runtime calls NCHWc).
 * Lanes past the last channel are zero after {@link #toBlocks}; kernels may leave anything there and
 * every reader ignores them.
 */
public final class ChannelBlocks {
    private ChannelBlocks() {
    }

    /** Blocks needed for {@code channels} channels of {@code lanes}. */
    public static int blocks(int channels, int lanes) {
        return (channels + lanes - 1) / lanes;
    }

    /** NCHW {@code x} ([batch, channels, positions]) into the blocked {@code out}, zeros in the dead lanes. */
    public static void toBlocks(float[] x, int batch, int channels, int positions, int lanes, float[] out) {
        forEachRun(batch, channels, positions, lanes, (t, c0, live, q0, q1) -> {
            int src = ((t / blocks(channels, lanes)) * channels + c0) * positions, dst = t * positions * lanes;
            if (live < lanes) {
                Arrays.fill(out, dst + q0 * lanes, dst + q1 * lanes, 0f);
            }
            for (int q = q0; q < q1; q++) {
                int d = dst + q * lanes;
                for (int l = 0; l < live; l++) {
                    out[d + l] = x[src + l * positions + q];
                }
            }
        });
    }

    /** The blocked {@code x} back to NCHW {@code out} ([batch, channels, positions]). */
    public static void fromBlocks(float[] x, int batch, int channels, int positions, int lanes, float[] out) {
        forEachRun(batch, channels, positions, lanes, (t, c0, live, q0, q1) -> {
            int src = t * positions * lanes, dst = ((t / blocks(channels, lanes)) * channels + c0) * positions;
            for (int l = 0; l < live; l++) {
                int d = dst + l * positions;
                for (int q = q0; q < q1; q++) {
                    out[d + q] = x[src + q * lanes + l];
                }
            }
        });
    }

    /**
     * {@link #toBlocks} of 8-bit NCHW {@code x} (read as unsigned or signed), each value shifted by
     * the zero point: {@code value - zp} as a float, how quantized blocked convolutions hold activations.
     */
    public static void toBlocks(byte[] x, boolean unsigned, int zp, int batch, int channels, int positions, int lanes,
            float[] out) {
        int mask = unsigned ? 0xFF : -1;
        forEachRun(batch, channels, positions, lanes, (t, c0, live, q0, q1) -> {
            int src = ((t / blocks(channels, lanes)) * channels + c0) * positions, dst = t * positions * lanes;
            if (live < lanes) {
                Arrays.fill(out, dst + q0 * lanes, dst + q1 * lanes, 0f);
            }
            for (int q = q0; q < q1; q++) {
                int d = dst + q * lanes;
                for (int l = 0; l < live; l++) {
                    out[d + l] = (x[src + l * positions + q] & mask) - zp;
                }
            }
        });
    }

    /**
     * {@link #fromBlocks} of blocked values shifted by the zero point (exact integers within the
     * 8-bit type's range once {@code zp} is added) into the 8-bit NCHW {@code out}.
     */
    public static void fromBlocks(float[] x, int zp, int batch, int channels, int positions, int lanes, byte[] out) {
        forEachRun(batch, channels, positions, lanes, (t, c0, live, q0, q1) -> {
            int src = t * positions * lanes, dst = ((t / blocks(channels, lanes)) * channels + c0) * positions;
            for (int l = 0; l < live; l++) {
                int d = dst + l * positions;
                for (int q = q0; q < q1; q++) {
                    out[d + q] = (byte) ((int) x[src + q * lanes + l] + zp);
                }
            }
        });
    }

    /**
     * The mean over the positions of each channel of the blocked {@code x}, as GlobalAveragePool
     * gives it on NCHW (a double sum, divided, rounded once): {@code out[n * channels + c]}.
     */
    public static void averageBlocks(float[] x, int batch, int channels, int positions, int lanes, float[] out) {
        int blocks = blocks(channels, lanes);
        Parallel.forRange(batch * blocks, Math.max(1, 8192 / Math.max(1, positions * lanes)), (t0, t1) -> {
            double[] sum = new double[lanes];
            for (int t = t0; t < t1; t++) {
                Arrays.fill(sum, 0d);
                int src = t * positions * lanes;
                for (int q = 0; q < positions; q++) {
                    for (int l = 0; l < lanes; l++) {
                        sum[l] += x[src + q * lanes + l];
                    }
                }
                int c0 = (t % blocks) * lanes, live = Math.min(lanes, channels - c0);
                for (int l = 0; l < live; l++) {
                    out[(t / blocks) * channels + c0 + l] = (float) (sum[l] / positions);
                }
            }
        });
    }

    /** A run of positions {@code [q0, q1)} of block t (image t / blocks), channels c0 .. c0 + live - 1. */
    private interface Run {
        void convert(int t, int c0, int live, int q0, int q1);
    }

    /**
     * Every (image, block) in parallel, in runs of positions when blocks alone are fewer than two per
     * thread (one image of a few blocks), none shorter than 256 positions.
     */
    private static void forEachRun(int batch, int channels, int positions, int lanes, Run run) {
        int blocks = blocks(channels, lanes);
        int tasks = batch * blocks;
        int runs = Math.max(1, Math.min((2 * Parallel.threads() + tasks - 1) / tasks, positions / 256));
        int span = (positions + runs - 1) / runs;
        Parallel.forRange(tasks * runs, 1, (r0, r1) -> {
            for (int r = r0; r < r1; r++) {
                int t = r / runs, q0 = (r % runs) * span;
                int c0 = (t % blocks) * lanes;
                run.convert(t, c0, Math.min(lanes, channels - c0), q0, Math.min(positions, q0 + span));
            }
        });
    }
}
