package dev.lowbit.ops;

import dev.lowbit.exec.OpContext;
import dev.lowbit.tensor.DType;
import dev.lowbit.tensor.Tensor;
import dev.lowbit.tensor.kernels.Int16Conv;
import dev.lowbit.tensor.kernels.Int16DirectConv;
import dev.lowbit.tensor.kernels.Int16Gemm;
import dev.lowbit.tensor.kernels.IntConv;
import java.util.Arrays;

/**
 * Integer convolution accumulators {@code sum (x - xz) * (w - wz)} on the int16-run GEMM
 * ({@link Int16Gemm}, exact by the bound in its class comment) for QLinearConv/ConvInteger with
 * constant weights: the weights are packed once as int16 {@code w - wz}, with their per-channel sums
 * for the centring correction. Each run measures the input's actual range [lo, hi] (one pass; widened
 * to include xz when the padding is read), packs {@code x - c} with c its midpoint, and uses this path
 * only when the int16 run length {@code 32767 / (ceil((hi - lo) / 2) * max|w - wz|)} is at least
 * {@link Int16Gemm#MIN_FAST_RUN}, where it beats the exact float kernels. Otherwise {@link #convolve}
 * returns null and the caller takes its other paths. Narrow (7-bit) models reach such runs wherever
 * their zero point lies — [0, 127] after a ReLU with xz = 0 gives 32767 / (64 * 63) = 8 — while
 * full 8-bit ranges do not.
 */
final class Int16Accumulation {
    /** Below this many taps per output (C/group x kernel), im2col and packing outweigh the gain. */
    static final int MIN_DEPTH = 32;
    /**
     * The fixed rule's (see {@link #convolveWhereFaster}) largest output map. Measured with the
     * in-place stride-1 path ({@code Int16DirectConv}; Int16ConvBench, 3x3, 7-bit weights, inputs
     * [0, 127], batch 8, 2 threads) against the exact float ways, Winograd included: 0.94x at 64
     * channels 56x56, 0.72x at 128 x 28x28, 1.10x at 256 x 14x14, 1.52x at 512 x 7x7. Where it wins
     * depends on the machine and the data, which is why the engine measures ({@link FastestWay}).
     */
    static final int MAX_OUT_SIZE = 256;
    /**
     * Fewer output channels per group than this and the float path wins: the Fashion-MNIST ResNet's
     * 32- and 64-channel 3x3 convs at 14x14 and 7x7 (batch 32) ran the whole model at 11-13 ms with
     * int16 against 6.4 ms without (`bench`, W7A7), where 256 and 512 channels won (Int16ConvBench).
     */
    static final int MIN_OUT_CHANNELS = 128;

    private final Tensor weight;
    private final Tensor weightZeroPoint;
    private final Int16Gemm.Packed[] packed;
    private final int maxAbsWeight;
    /** Per output channel, {@code sum_k (w - wz)}: the centring correction's constants. */
    private final int[] weightSums;
    private final IntegerOps.ConvAttrs attrs;

    private Int16Accumulation(Tensor weight, Tensor weightZeroPoint, Int16Gemm.Packed[] packed,
            IntegerOps.ConvAttrs attrs) {
        this.weight = weight;
        this.weightZeroPoint = weightZeroPoint;
        this.packed = packed;
        this.maxAbsWeight = Int16Conv.maxAbs(packed);
        this.weightSums = Int16Conv.weightSums(packed);
        this.attrs = attrs;
    }

    /**
     * For a conv whose weight [M, C/g, k...] (input {@code weightIndex}) and weight zero point are
     * constants and whose weights are narrow enough to allow useful runs; null otherwise.
     */
    static Int16Accumulation conv(OpContext ctx, int weightIndex, int zeroPointIndex, IntegerOps.ConvAttrs attrs) {
        Tensor w = ctx.constantInput(weightIndex);
        if (w == null || (w.dtype() != DType.UINT8 && w.dtype() != DType.INT8) || w.rank() < 3) {
            return null;
        }
        boolean hasZp = zeroPointIndex < ctx.node().inputs().size() && !ctx.node().input(zeroPointIndex).isEmpty();
        Tensor zp = hasZp ? ctx.constantInput(zeroPointIndex) : null;
        if (hasZp && zp == null) {
            return null;
        }
        int m = w.dim(0);
        int group = attrs.group();
        if (m % group != 0 || w.size() / m < MIN_DEPTH) {
            return null;
        }
        boolean wu = w.dtype() == DType.UINT8;
        int[] wz;
        try {
            wz = QuantTensors.zeroPoints8(zp, wu, "w_zero_point");
        } catch (RuntimeException e) {
            return null; // the run reports it
        }
        if (wz.length != 1 && wz.length != m) {
            return null;
        }
        Int16Gemm.Packed[] packed = Int16Conv.packWeights(w.bytes(), wu, wz, m, group, w.size() / m);
        Int16Accumulation acc = new Int16Accumulation(w, zp, packed, attrs);
        // Worth keeping when a 7-bit input (128 values: |x - c| <= 64 once centred) gets useful runs.
        return Int16Gemm.runLength(64, acc.maxAbsWeight) >= Int16Gemm.MIN_FAST_RUN ? acc : null;
    }

    /**
     * The int32 accumulators of x [N, C, in...] with the packed weights, or null when the run does
     * not receive the constants this was made from, or the input is too wide for useful int16 runs.
     */
    IntegerOps.ConvResult convolve(Tensor x, boolean xu, int xz, Tensor w, Tensor wzT) {
        if (w != weight || wzT != weightZeroPoint) {
            return null;
        }
        Plan plan = plan(x, xu, xz, w);
        return plan == null || plan.run() < Int16Gemm.MIN_FAST_RUN ? null : run(x, xu, xz, w, plan);
    }

    /**
     * {@link #convolve} where a fixed rule expects it to beat the float path (the rule used when
     * {@link FastestWay} does not measure): at least {@link #MIN_OUT_CHANNELS} output channels per
     * group and at most {@link #MAX_OUT_SIZE} output positions; null elsewhere.
     */
    IntegerOps.ConvResult convolveWhereFaster(Tensor x, boolean xu, int xz, Tensor w, Tensor wzT) {
        if (w != weight || wzT != weightZeroPoint || w.dim(0) / packed.length < MIN_OUT_CHANNELS) {
            return null;
        }
        Plan plan = plan(x, xu, xz, w);
        return plan == null || plan.run() < Int16Gemm.MIN_FAST_RUN || plan.geometry().outSize() > MAX_OUT_SIZE
                ? null : run(x, xu, xz, w, plan);
    }

    private IntegerOps.ConvResult run(Tensor x, boolean xu, int xz, Tensor w, Plan plan) {
        IntConv.Geometry g = plan.geometry();
        int outChannels = w.dim(0);
        int[] acc = Int16DirectConv.handles(g)
                ? Int16DirectConv.convolve(x.bytes(), xu, xz, plan.range().shift(), weightSums, x.dim(0), x.dim(1), packed,
                        outChannels, g, plan.run())
                : Int16Conv.convolve(x.bytes(), xu, xz, plan.range().shift(), weightSums, x.dim(0), x.dim(1), packed,
                        outChannels, g, plan.run());
        int d = x.rank() - 2;
        int[] shape = new int[d + 2];
        shape[0] = x.dim(0);
        shape[1] = outChannels;
        System.arraycopy(g.out(), 0, shape, 2, d);
        return new IntegerOps.ConvResult(acc, shape, outChannels, g.outSize());
    }

    /** How a call runs: its geometry, the range [lo, hi] whose midpoint is the shift, and the run length. */
    record Plan(IntConv.Geometry geometry, Int16Gemm.Range range, int run) {
    }

    /**
     * The plan for input x with the weights w (this one's constant), or null when the shapes do
     * not fit (the int32 path reports the mismatch).
     */
    Plan plan(Tensor x, boolean xu, int xz, Tensor w) {
        int d = x.rank() - 2;
        int group = packed.length;
        if (d < 1 || w.rank() != x.rank() || x.dim(1) % group != 0 || w.dim(1) != x.dim(1) / group) {
            return null;
        }
        int[] kernel = Arrays.copyOfRange(w.shapeRef(), 2, w.rank());
        if (attrs.kernelShape() != null && !Arrays.equals(attrs.kernelShape(), kernel)) {
            return null;
        }
        int[] in = Arrays.copyOfRange(x.shapeRef(), 2, x.rank());
        int[] s = attrs.strides() != null ? attrs.strides() : ones(d);
        int[] dil = attrs.dilations() != null ? attrs.dilations() : ones(d);
        IntConv.Geometry g = IntConv.Geometry.of(in, kernel, s, dil, attrs.pads(), attrs.autoPad());
        byte[] xb = x.bytes();
        Int16Gemm.Range range = Int16Gemm.Range.of(xb, 0, xb.length, xu);
        if (Int16Conv.readsPadding(g)) {
            range = range.including(xz); // padded taps hold xz - c (see Int16Conv)
        }
        return new Plan(g, range, Int16Gemm.runLength(range.maxAbs(), maxAbsWeight));
    }

    private static int[] ones(int d) {
        int[] v = new int[d];
        Arrays.fill(v, 1);
        return v;
    }
}
