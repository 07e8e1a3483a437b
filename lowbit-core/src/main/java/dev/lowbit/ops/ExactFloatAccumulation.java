package dev.lowbit.ops;

import dev.lowbit.exec.Op;
import dev.lowbit.exec.OpContext;
import dev.lowbit.onnx.Graph;
import dev.lowbit.onnx.Node;
import dev.lowbit.tensor.BufferPool;
import dev.lowbit.tensor.DType;
import dev.lowbit.tensor.Parallel;
import dev.lowbit.tensor.Tensor;
import dev.lowbit.tensor.kernels.Int16Gemm;
import dev.lowbit.tensor.kernels.IntQuantize;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Integer accumulation {@code sum (x - xz) * (w - wz)} computed exactly by lowbit's float kernels
 * (packed GEMM, direct and depthwise convolution), for quantized ops with constant weights.
 *
 * <p>Why it is exact: the operands {@code x - xz} and {@code w - wz} are integers, so every product
 * is an integer, and every partial sum the float kernel forms — in whatever order its tiling and
 * fused multiply-adds add them — has a magnitude of at most {@code max|x - xz| * sum_k |w[m][k] - wz[m]|}
 * for its output channel m. When that bound is at most 2^24, every partial sum is an integer float32
 * represents exactly, so no addition or FMA ever rounds and the float result equals the int32 sum
 * bit for bit. For typical 8-bit conv weights the bound holds with room to spare (e.g. 576 taps
 * averaging |w| = 30 against |x - xz| <= 255 gives 4.4e6 against 2^24 = 1.68e7).
 *
 * <p>Per call, the bound is first checked with the widest values the input's type and zero point
 * allow, then with the input's actual largest |x - xz| (one pass over its bytes). When both fail —
 * wide layers such as ResNet-18's 3x3x512 convolutions — the reduction is split into parts
 * ({@link Part}: ranges of input channels, or of K for a MatMul) chosen at load so that each part's
 * bound holds for any 8-bit input (|x - xz| <= 255); each part runs on the float kernels exactly and
 * the parts' sums are added in int32, which is exact under wrap-around like the int32 kernels. The
 * result is then an INT32 tensor instead of a FLOAT one. Only a grouped (not depthwise-sized)
 * convolution whose bound fails has no parts; it takes the int32 kernels.
 */
final class ExactFloatAccumulation {
    /** Integers up to 2^24 in magnitude are exactly representable in float32. */
    static final double EXACT_LIMIT = 16_777_216d;
    /** Whether convolutions that build phase planes read the bytes directly (off: a shift pass first; for A/B measurements). */
    static volatile boolean planesFromBytes = true;
    /** The widest |x - xz| any 8-bit input has, whatever its type and zero point. */
    private static final int WIDEST_X = 255;

    /**
     * A float op over one range {@code [from, to)} of the reduction (input channels of a Conv, rows
     * of K for a MatMul) and its constant operand {@code w - wz} restricted to that range.
     */
    private record Part(int from, int to, Op op, Tensor shiftedWeight, ConvForward conv) {
    }

    private final boolean conv;
    /** The whole reduction: input channels (Conv) or K (MatMul). */
    private final int reduction;
    private final Part whole;
    /** Ranges each exact for any 8-bit input; null when {@link #whole} is, or when the op cannot be split. */
    private final List<Part> parts;
    /** The largest sum of |w - wz| over the reduction of any output column/channel. */
    private final double maxAbsWeightSum;
    /** The constant weight and zero point this was made for (null zero point: none given). */
    private final Tensor weight;
    private final Tensor weightZeroPoint;
    /** Winograd for 3x3 convolutions where it fits, else null. */
    private final ConvWinograd winograd;

    private ExactFloatAccumulation(boolean conv, int reduction, Part whole, List<Part> parts, double maxAbsWeightSum,
                                   Tensor weight, Tensor weightZeroPoint, ConvWinograd winograd) {
        this.conv = conv;
        this.winograd = winograd;
        this.reduction = reduction;
        this.whole = whole;
        this.parts = parts;
        this.maxAbsWeightSum = maxAbsWeightSum;
        this.weight = weight;
        this.weightZeroPoint = weightZeroPoint;
    }

    /**
     * Whether a run may use this: it receives the very weight and zero-point tensors this was made
     * from (a caller overriding an initializer gets the int32 kernels), and the sums stay exact for
     * this input type and zero point, or the reduction was split into parts that always are.
     */
    boolean appliesTo(Tensor w, Tensor wz, boolean xUnsigned, int xZeroPoint) {
        return w == weight && wz == weightZeroPoint && (parts != null || exactFor(xUnsigned, xZeroPoint));
    }

    /**
     * For a QLinearConv/ConvInteger whose weight [M, C/g, k...] and weight zero point are
     * constants: float Convs with the same attributes over {@code w - wz}; null when they are not.
     */
    static ExactFloatAccumulation conv(OpContext ctx, int weightIndex, int zeroPointIndex) {
        Tensor w = ctx.constantInput(weightIndex);
        if (w == null || (w.dtype() != DType.UINT8 && w.dtype() != DType.INT8) || w.rank() < 3) {
            return null;
        }
        int[] wz = constantZeroPoints(ctx, zeroPointIndex, w.dtype() == DType.UINT8);
        int m = w.dim(0);
        if (wz == null || (wz.length != 1 && wz.length != m)) {
            return null;
        }
        int channels = w.dim(1);
        int taps = w.size() / (m * channels);
        float[] shifted = shiftedWeight(w, wz, m);
        // |w - wz| summed over the taps of each (output channel, input channel) pair.
        double[][] sums = new double[m][channels];
        for (int i = 0; i < shifted.length; i++) {
            sums[i / (channels * taps)][(i / taps) % channels] += Math.abs(shifted[i]);
        }
        Part whole = convPart(ctx, shifted, w.shape(), 0, channels);
        boolean splittable = ctx.node().getInt("group", 1) == 1;
        List<Part> parts = splittable ? split(sums, channels, (from, to) -> convPart(ctx, shifted, w.shape(), from, to)) : null;
        return new ExactFloatAccumulation(true, channels, whole, parts, maxRowSum(sums), w,
                optionalConstant(ctx, zeroPointIndex), ConvWinograd.of(ctx, w, wz));
    }

    /**
     * For a QLinearMatMul/MatMulInteger whose B [K, N] (2-D) and B zero point are constants: float
     * MatMuls over {@code b - bz}; null when they are not.
     */
    static ExactFloatAccumulation matMul(OpContext ctx, int bIndex, int zeroPointIndex) {
        return matMul(ctx, bIndex, zeroPointIndex, false);
    }

    /** {@link #matMul(OpContext, int, int)} for a B stored transposed ([N, K], Gemm's transB). */
    static ExactFloatAccumulation matMul(OpContext ctx, int bIndex, int zeroPointIndex, boolean transposed) {
        Tensor b = ctx.constantInput(bIndex);
        if (b == null || (b.dtype() != DType.UINT8 && b.dtype() != DType.INT8) || b.rank() != 2) {
            return null;
        }
        int[] bz = constantZeroPoints(ctx, zeroPointIndex, b.dtype() == DType.UINT8);
        int k = transposed ? b.dim(1) : b.dim(0);
        int n = transposed ? b.dim(0) : b.dim(1);
        if (bz == null || (bz.length != 1 && bz.length != n)) {
            return null;
        }
        boolean unsigned = b.dtype() == DType.UINT8;
        byte[] bb = b.bytes();
        float[] shifted = new float[k * n];
        // |b - bz| per (column, row of K): the same layout as a Conv's (output channel, input channel).
        double[][] sums = new double[n][k];
        for (int r = 0; r < k; r++) {
            for (int c = 0; c < n; c++) {
                int i = r * n + c;
                int src = transposed ? c * k + r : i;
                shifted[i] = (unsigned ? bb[src] & 0xFF : bb[src]) - (bz.length == 1 ? bz[0] : bz[c]);
                sums[c][r] = Math.abs(shifted[i]);
            }
        }
        Part whole = matMulPart(ctx, shifted, n, 0, k);
        List<Part> parts = split(sums, k, (from, to) -> matMulPart(ctx, shifted, n, from, to));
        return new ExactFloatAccumulation(false, k, whole, parts, maxRowSum(sums), b, optionalConstant(ctx, zeroPointIndex),
                null);
    }

    /** Whether every partial sum stays exact for inputs of this type and zero point, whatever their values. */
    boolean exactFor(boolean xUnsigned, int xZeroPoint) {
        int lo = xUnsigned ? 0 : -128;
        int hi = xUnsigned ? 255 : 127;
        return exactFor(Math.max(Math.abs(lo - xZeroPoint), Math.abs(hi - xZeroPoint)));
    }

    private boolean exactFor(int maxAbsX) {
        return maxAbsX * maxAbsWeightSum <= EXACT_LIMIT;
    }

    /** Whether the op was split into parts (the sums of some input may not fit 2^24 in one piece). */
    boolean isSplit() {
        return parts != null;
    }

    /**
     * The accumulators: a FLOAT tensor of exact integers when the whole reduction is exact for this
     * input (its array comes from the run's buffer pool: callers done with it hand it back with
     * {@link BufferPool#release}), else the parts' sums as an INT32 tensor.
     */
    Tensor accumulate(Tensor x, boolean xUnsigned, int xZeroPoint) {
        Tensor winogradAcc = winograd(x, xUnsigned, xZeroPoint, true);
        return winogradAcc != null ? winogradAcc : accumulateDirect(x, xUnsigned, xZeroPoint);
    }

    /**
     * {@link #accumulate} by Winograd F(2x2, 3x3), as a FLOAT tensor from the buffer pool; null when
     * Winograd does not fit this convolution or input, or ({@code byRule}) its fixed rule says it
     * would not be faster (see {@link ConvWinograd}).
     */
    Tensor winograd(Tensor x, boolean xUnsigned, int xZeroPoint, boolean byRule) {
        return winograd == null ? null : winograd.accumulate(x, xUnsigned, xZeroPoint, byRule);
    }

    /** {@link #accumulate} by the float kernels (the whole reduction, or its parts), never Winograd. */
    Tensor accumulateDirect(Tensor x, boolean xUnsigned, int xZeroPoint) {
        if (parts == null || exactFor(xUnsigned, xZeroPoint) || exactFor(Int16Gemm.Range.of(x.bytes(), 0, x.size(), xUnsigned).maxAbsFrom(xZeroPoint))) {
            return runPart(whole, x, xUnsigned, xZeroPoint);
        }
        int[] total = null;
        int[] shape = null;
        for (Part part : parts) {
            Tensor acc = runPart(part, x, xUnsigned, xZeroPoint);
            float[] a = acc.floats();
            if (total == null) {
                total = new int[a.length];
                shape = acc.shape();
            }
            int[] t = total;
            Parallel.forRange(a.length, 1 << 15, (start, end) -> {
                for (int i = start; i < end; i++) {
                    t[i] += (int) a[i];
                }
            });
            BufferPool.release(a);
        }
        return Tensor.of(total, shape);
    }

    /** The float op of one part on {@code x - xz} restricted to the part's range of the reduction. */
    private Tensor runPart(Part part, Tensor x, boolean xUnsigned, int xZeroPoint) {
        byte[] xb = x.bytes();
        int[] shape = x.shape();
        if (part == whole && part.conv() != null && planesFromBytes) {
            // Paths that copy each image into phase planes convert the bytes there: no pass of its own.
            Tensor acc = part.conv().runShifted(xb, xUnsigned, xZeroPoint, shape, part.shiftedWeight());
            if (acc != null) {
                return acc;
            }
        }
        float[] shifted;
        if (part == whole) {
            shifted = BufferPool.floatsUninitialized(xb.length);
            Parallel.forRange(xb.length, 1 << 16, (start, end) ->
                    IntQuantize.shiftedFloats(xb, start, end - start, xUnsigned, xZeroPoint, shifted, start));
        } else {
            // Parts exist for group-1 Convs and MatMuls only: the reduction is axis 1 of a Conv's
            // input [N, C, spatial...] and the last axis of a MatMul's.
            int width = part.to() - part.from();
            int inner = conv ? xb.length / Math.max(1, x.dim(0) * reduction) : 1;
            int outer = xb.length / Math.max(1, reduction * inner);
            int run = width * inner;
            shifted = BufferPool.floatsUninitialized(outer * run);
            Parallel.forRange(outer, Math.max(1, (1 << 16) / Math.max(1, run)), (start, end) -> {
                for (int o = start; o < end; o++) {
                    IntQuantize.shiftedFloats(xb, (o * reduction + part.from()) * inner, run, xUnsigned, xZeroPoint,
                            shifted, o * run);
                }
            });
            shape[conv ? 1 : shape.length - 1] = width;
        }
        Tensor acc = part.op().run(new Tensor[] {Tensor.wrap(DType.FLOAT, shape, shifted), part.shiftedWeight()})[0];
        BufferPool.release(shifted);
        return acc;
    }

    /** Makes the part of the reduction {@code [from, to)}. */
    private interface PartFactory {
        Part make(int from, int to);
    }

    /**
     * Consecutive ranges of the reduction, each as long as the bound allows for any 8-bit input:
     * {@code sums[row][j]} is row's |w - wz| mass at reduction index j. Null when one index alone is
     * too heavy, or when the whole reduction fits in one range (then {@code whole} always applies).
     */
    private static List<Part> split(double[][] sums, int reduction, PartFactory factory) {
        int rows = sums.length;
        double[] running = new double[rows];
        List<int[]> ranges = new ArrayList<>();
        int from = 0;
        for (int j = 0; j < reduction; j++) {
            boolean fits = true;
            for (int r = 0; r < rows && fits; r++) {
                fits = (running[r] + sums[r][j]) * WIDEST_X <= EXACT_LIMIT;
            }
            if (!fits) {
                if (j == from) {
                    return null;
                }
                ranges.add(new int[] {from, j});
                from = j;
                Arrays.fill(running, 0);
            }
            for (int r = 0; r < rows; r++) {
                running[r] += sums[r][j];
            }
        }
        if (ranges.isEmpty()) {
            return null;
        }
        ranges.add(new int[] {from, reduction});
        List<Part> parts = new ArrayList<>();
        for (int[] range : ranges) {
            parts.add(factory.make(range[0], range[1]));
        }
        return parts;
    }

    private static double maxRowSum(double[][] sums) {
        double max = 0;
        for (double[] row : sums) {
            double s = 0;
            for (double v : row) {
                s += v;
            }
            max = Math.max(max, s);
        }
        return max;
    }

    /** {@code w - wz} as floats, row r (output channel) using zero point {@code wz[r]} or {@code wz[0]}. */
    private static float[] shiftedWeight(Tensor w, int[] wz, int m) {
        boolean unsigned = w.dtype() == DType.UINT8;
        byte[] wb = w.bytes();
        int k = w.size() / m;
        float[] shifted = new float[w.size()];
        for (int i = 0; i < shifted.length; i++) {
            int z = wz.length == 1 ? wz[0] : wz[i / k];
            shifted[i] = (unsigned ? wb[i] & 0xFF : wb[i]) - z;
        }
        return shifted;
    }

    /** A float Conv with the node's attributes over input channels [from, to) of the shifted weight. */
    private static Part convPart(OpContext ctx, float[] shifted, int[] wShape, int from, int to) {
        int m = wShape[0];
        int channels = wShape[1];
        int taps = shifted.length / (m * channels);
        int width = to - from;
        float[] w = new float[m * width * taps];
        for (int r = 0; r < m; r++) {
            System.arraycopy(shifted, (r * channels + from) * taps, w, r * width * taps, width * taps);
        }
        int[] shape = wShape.clone();
        shape[1] = width;
        Node conv = new Node("Conv", ctx.node().name() + "/exact_float", new ArrayList<>(List.of("x", "w")),
                new ArrayList<>(List.of("y")));
        for (String a : List.of("kernel_shape", "strides", "pads", "dilations", "group", "auto_pad")) {
            if (ctx.node().has(a)) {
                conv.set(ctx.node().attributes().get(a));
            }
        }
        Graph g = new Graph("exact_float");
        Tensor weight = Tensor.of(w, shape);
        g.setInitializer("w", weight);
        ConvForward forward = ConvForward.of(new OpContext(conv, 11, g));
        return new Part(from, to, inputs -> new Tensor[] {forward.run(inputs[0], inputs[1], null, null)}, weight, forward);
    }

    /** A float MatMul over rows [from, to) of the shifted [K, N] operand. */
    private static Part matMulPart(OpContext ctx, float[] shifted, int n, int from, int to) {
        float[] b = Arrays.copyOfRange(shifted, from * n, to * n);
        Node mm = new Node("MatMul", ctx.node().name() + "/exact_float", new ArrayList<>(List.of("a", "b")),
                new ArrayList<>(List.of("y")));
        Graph g = new Graph("exact_float");
        Tensor weight = Tensor.of(b, to - from, n);
        g.setInitializer("b", weight);
        return new Part(from, to, MatMulOps.matMul(new OpContext(mm, 13, g)), weight, null);
    }

    private static Tensor optionalConstant(OpContext ctx, int index) {
        return index < ctx.node().inputs().size() && !ctx.node().input(index).isEmpty() ? ctx.constantInput(index) : null;
    }

    /** The accumulators as int32 (FLOAT ones are exact integers; their array goes back to the pool). */
    static int[] toInts(Tensor acc) {
        if (acc.dtype() == DType.INT32) {
            return acc.ints();
        }
        float[] f = acc.floats();
        int[] out = new int[f.length];
        for (int i = 0; i < f.length; i++) {
            out[i] = (int) f[i];
        }
        BufferPool.release(f);
        return out;
    }

    private static int[] constantZeroPoints(OpContext ctx, int index, boolean unsigned) {
        if (index >= ctx.node().inputs().size() || ctx.node().input(index).isEmpty()) {
            return new int[] {0};
        }
        Tensor z = ctx.constantInput(index);
        if (z == null || (z.dtype() != DType.UINT8 && z.dtype() != DType.INT8)) {
            return null;
        }
        byte[] zb = z.bytes();
        int[] out = new int[zb.length];
        for (int i = 0; i < zb.length; i++) {
            out[i] = unsigned ? zb[i] & 0xFF : zb[i];
        }
        return out;
    }
}
