package dev.lowbit.tensor.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lowbit.tensor.Parallel;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The in-place int16 convolution against the int32 reference convolution and the im2col int16
 * path: random 2-d geometries (kernels 1-5 per axis, pads 0-3 each side including none and
 * asymmetric, strides 1-3 and dilations 1-2 per axis, one to several groups), centred u8/s8 inputs with the zero point inside, below or
 * above the data, per-tensor and per-channel weight zero points, batches 1-3 and 1-3 threads (whole
 * images per thread and positions split across threads).
 */
class Int16DirectConvTest {
    private final Random rnd = new Random(41);

    @Test
    void equalsReferenceAndIm2colPath() {
        int before = Parallel.threads();
        int trials = 0;
        try {
            for (int threads = 1; threads <= 3; threads++) {
                Parallel.setThreads(threads);
                for (int t = 0; t < 40; t++) {
                    if (trial(t, threads)) {
                        trials++;
                    }
                }
            }
        } finally {
            Parallel.setThreads(before);
        }
        assertTrue(trials > 100, trials + " geometries ran");
    }

    private boolean trial(int t, int threads) {
        int groups = new int[] {1, 1, 2, 3}[rnd.nextInt(4)];
        int channels = groups * (1 + rnd.nextInt(t % 5 == 0 ? 40 : 6));
        int outChannels = groups * (1 + rnd.nextInt(t % 7 == 0 ? 70 : 9));
        int batch = 1 + rnd.nextInt(3);
        int[] in = {1 + rnd.nextInt(20), 1 + rnd.nextInt(70)};
        int[] kernel = {1 + rnd.nextInt(5), 1 + rnd.nextInt(5)};
        int[] pads = {rnd.nextInt(4), rnd.nextInt(4), rnd.nextInt(4), rnd.nextInt(4)};
        // Stride 1 half the time, else 2 or 3 per axis; dilation 1 or 2.
        int[] strides = t % 2 == 0 ? new int[] {1, 1} : new int[] {1 + rnd.nextInt(3), 1 + rnd.nextInt(3)};
        int[] dilations = {1 + rnd.nextInt(t % 3 == 0 ? 2 : 1), 1 + rnd.nextInt(t % 3 == 0 ? 2 : 1)};
        if ((kernel[0] - 1) * dilations[0] + 1 > in[0] + pads[0] + pads[2]
                || (kernel[1] - 1) * dilations[1] + 1 > in[1] + pads[1] + pads[3]) {
            return false;
        }
        IntConv.Geometry g = IntConv.Geometry.of(in, kernel, strides, dilations, pads, "NOTSET");
        assertTrue(Int16DirectConv.handles(g));
        boolean xu = rnd.nextBoolean();
        boolean wu = rnd.nextBoolean();
        int lo = xu ? 0 : -128;
        int span = 40 + rnd.nextInt(88);
        int from = lo + rnd.nextInt(256 - span);
        byte[] x = new byte[batch * channels * g.inSize()];
        for (int i = 0; i < x.length; i++) {
            x[i] = (byte) (from + rnd.nextInt(span + 1));
        }
        int xz = switch (t % 3) {
            case 0 -> from + rnd.nextInt(span + 1);
            case 1 -> Math.max(lo, from - 1 - rnd.nextInt(40));
            default -> Math.min(lo + 255, from + span + 1 + rnd.nextInt(40));
        };
        int kRows = channels / groups * g.kernelSize();
        int[] wz = new int[rnd.nextBoolean() ? 1 : outChannels];
        for (int i = 0; i < wz.length; i++) {
            wz[i] = wu ? 64 + rnd.nextInt(128) : rnd.nextInt(129) - 64;
        }
        byte[] w = new byte[outChannels * kRows];
        for (int i = 0; i < w.length; i++) {
            int z = wz[wz.length == 1 ? 0 : i / kRows];
            w[i] = (byte) Math.max(wu ? 0 : -128, Math.min(wu ? 255 : 127, z + rnd.nextInt(127) - 63));
        }
        Int16Gemm.Packed[] pw = Int16Conv.packWeights(w, wu, wz, outChannels, groups, kRows);
        Int16Gemm.Range range = Int16Gemm.Range.of(x, 0, x.length, xu);
        if (Int16Conv.readsPadding(g)) {
            range = range.including(xz);
        }
        int run = Int16Gemm.runLength(range.maxAbs(), Int16Conv.maxAbs(pw));
        assertTrue(run >= 2, "run " + run);
        int[] sums = Int16Conv.weightSums(pw);
        int[] expected = IntConv.convolveReference(x, xu, xz, batch, channels, w, wu, wz, outChannels, groups, g);
        int[] im2col = Int16Conv.convolve(x, xu, xz, range.shift(), sums, batch, channels, pw, outChannels, g, run);
        int[] direct = Int16DirectConv.convolve(x, xu, xz, range.shift(), sums, batch, channels, pw, outChannels, g, run);
        String what = "trial " + t + " threads " + threads + " batch " + batch + " channels " + channels + "->"
                + outChannels + " groups " + groups + " in " + Arrays.toString(in) + " kernel " + Arrays.toString(kernel)
                + " pads " + Arrays.toString(pads) + " strides " + Arrays.toString(strides) + " dilations "
                + Arrays.toString(dilations);
        assertArrayEquals(expected, im2col, what);
        assertArrayEquals(expected, direct, what);
        return true;
    }
}
