package dev.lowbit.tensor.kernels;

import dev.lowbit.tensor.Parallel;
import java.util.Arrays;

/**
 * Integer convolution on {@link Int16Gemm} for any number of spatial axes (the engine runs 2-D ones
 * in place, {@link Int16DirectConv}, and this is also their reference in tests): per image and
 * group, the input is unrolled by {@link IntConv#im2col} with a shift c subtracted, packed into int16 B panels and multiplied by the
 * group's weights, packed once as int16 A panels ({@code w - wz}); then {@code (c - xz) * sum_k (w - wz)}
 * is added per output channel in int32. Exact under the bound of {@link Int16Gemm} (the caller picks
 * c and the run length from the actual input and weight maxima).
 *
 * <p>Padding: a padded tap stands for {@code x = xz}, i.e. 0 in {@code sum (x - xz)(w - wz)}. The
 * im2col here writes the shifted zero point {@code xz - c} there, contributing {@code (xz - c)(w - wz)}
 * to the int16 GEMM, which the correction's {@code (c - xz)(w - wz)} for the same tap cancels; so the
 * centring identity of {@link Int16Gemm} holds tap by tap, padded or not. The caller's bound must
 * then cover {@code |xz - c|} too: it includes xz in the range when {@link #readsPadding} (with
 * {@code c = xz} this is the plain {@code x - xz} im2col, padding 0 and no correction).
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

    /** Per output channel, {@code sum_k (w - wz)} over its group's taps: the centring constants. */
    public static int[] weightSums(Int16Gemm.Packed[] weights) {
        int mg = weights[0].extent();
        int[] sums = new int[weights.length * mg];
        for (int g = 0; g < weights.length; g++) {
            System.arraycopy(weights[g].extentSums(), 0, sums, g * mg, mg);
        }
        return sums;
    }

    /** Whether some output reads a tap outside the input, i.e. the padding is used. */
    public static boolean readsPadding(IntConv.Geometry g) {
        for (int a = 0; a < g.in().length; a++) {
            int last = (g.out()[a] - 1) * g.strides()[a] - g.padsBegin()[a] + (g.kernel()[a] - 1) * g.dilations()[a];
            if (g.padsBegin()[a] > 0 || last >= g.in()[a]) {
                return true;
            }
        }
        return false;
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
     * weights, packing {@code x - shift} (padding {@code xZero - shift}) in int16 runs of {@code run}
     * depth steps (see {@link Int16Gemm#multiply}) and adding {@code (shift - xZero) * weightSums[m]}
     * ({@link #weightSums}).
     */
    public static int[] convolve(byte[] x, boolean xUnsigned, int xZero, int shift, int[] weightSums, int batch,
            int channels, Int16Gemm.Packed[] weights, int outChannels, IntConv.Geometry g, int run) {
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
                int xOff = (n * channels + grp * cg) * inSize;
                IntConv.im2col(x, xOff, xUnsigned, shift, xZero - shift, cg, g, cols);
                Int16Gemm.Packed b = Int16Gemm.packRows(cols, 0, kRows, outSize, packed);
                int cOff = (n * outChannels + grp * mg) * outSize;
                Int16Gemm.multiply(weights[grp], b, acc, cOff, outSize, run);
                correct(acc, cOff, outSize, shift - xZero, weightSums, grp * mg, mg);
            }
        });
        return acc;
    }

    /** Adds {@code delta * sums[m0 + i]} to the {@code size} outputs of each of the {@code count} channels at cOff. */
    private static void correct(int[] acc, int cOff, int size, int delta, int[] sums, int m0, int count) {
        if (delta == 0) {
            return;
        }
        for (int i = 0; i < count; i++) {
            int add = delta * sums[m0 + i]; // int32 wrap-around: exact modulo 2^32 like the sums themselves
            int from = cOff + i * size;
            for (int o = from; o < from + size; o++) {
                acc[o] += add;
            }
        }
    }
}
