package dev.lowbit.tensor.kernels;

import dev.lowbit.tensor.Parallel;
import java.util.Arrays;

/**
 * Integer convolution on {@link Int16Gemm}: per image and group, the input is unrolled by
 * {@link IntConv#im2col} (zero point subtracted, padding 0), packed into int16 B panels and multiplied
 * by the group's weights, packed once as int16 A panels ({@code w - wz}). Exact under the bound of
 * {@link Int16Gemm} (the caller picks the run length from the actual input and weight maxima).
 */
public final class Int16Conv {
    private Int16Conv() {
    }

    /**
     * Packs the weights w [M, C / groups, kernel...] (8-bit, zero points of length 1 or M
     * subtracted) as one A operand per group.
     */
    public static Int16Gemm.Packed[] packWeights(byte[] w, boolean unsigned, int[] zeroPoints, int outChannels,
            int groups, int kRows) {
        int mg = outChannels / groups;
        Int16Gemm.Packed[] out = new Int16Gemm.Packed[groups];
        for (int g = 0; g < groups; g++) {
            int[] zp = zeroPoints.length == 1 ? zeroPoints : Arrays.copyOfRange(zeroPoints, g * mg, g * mg + mg);
            out[g] = Int16Gemm.pack(w, g * mg * kRows, unsigned, zp, mg, kRows, kRows, 1, Int16Gemm.mr());
        }
        return out;
    }

    /** The largest |w - wz| over all groups' packed weights. */
    public static int maxAbs(Int16Gemm.Packed[] weights) {
        int max = 0;
        for (Int16Gemm.Packed p : weights) {
            max = Math.max(max, p.maxAbs());
        }
        return max;
    }

    /**
     * The int32 accumulators [batch, M, out...] of x [batch, C, in...] convolved with the packed
     * weights, int16 runs of {@code run} depth steps (see {@link Int16Gemm#multiply}).
     */
    public static int[] convolve(byte[] x, boolean xUnsigned, int xZero, int batch, int channels,
            Int16Gemm.Packed[] weights, int outChannels, IntConv.Geometry g, int run) {
        int groups = weights.length;
        int cg = channels / groups;
        int mg = outChannels / groups;
        int kRows = cg * g.kernelSize();
        int outSize = g.outSize();
        int inSize = g.inSize();
        int[] acc = new int[batch * outChannels * outSize];
        int items = batch * groups;
        // Whole images per thread when there are enough of them; otherwise the GEMM itself splits.
        boolean perItem = items >= Parallel.threads();
        Parallel.forRange(items, perItem ? 1 : items, (start, end) -> {
            int[] cols = new int[kRows * outSize];
            short[] packed = new short[Int16Gemm.Packed.size(outSize, kRows, Int16Gemm.nr())];
            for (int t = start; t < end; t++) {
                int n = t / groups;
                int grp = t % groups;
                IntConv.im2col(x, (n * channels + grp * cg) * inSize, xUnsigned, xZero, cg, g, cols);
                Int16Gemm.Packed b = Int16Gemm.packRows(cols, 0, kRows, outSize, packed);
                Int16Gemm.multiply(weights[grp], b, acc, (n * outChannels + grp * mg) * outSize, outSize, run);
            }
        });
        return acc;
    }
}
