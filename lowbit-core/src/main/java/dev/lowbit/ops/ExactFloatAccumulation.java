package dev.lowbit.ops;

import dev.lowbit.exec.Op;
import dev.lowbit.exec.OpContext;
import dev.lowbit.onnx.Graph;
import dev.lowbit.onnx.Node;
import dev.lowbit.tensor.BufferPool;
import dev.lowbit.tensor.DType;
import dev.lowbit.tensor.Tensor;
import java.util.ArrayList;
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
 * bit for bit. The bound is checked per call from the input's zero point and element type (the
 * widest values it can hold); when it fails, the caller falls back to the int32 kernels. For typical
 * 8-bit conv weights the bound holds with room to spare (e.g. 576 taps averaging |w| = 30 against
 * |x - xz| <= 255 gives 4.4e6 against 2^24 = 1.68e7).
 */
final class ExactFloatAccumulation {
    /** Integers up to 2^24 in magnitude are exactly representable in float32. */
    static final double EXACT_LIMIT = 16_777_216d;

    private final Op floatOp;
    /** {@code w - wz} as float: the float op's constant second input. */
    private final Tensor shiftedWeight;
    /** The largest sum of |w - wz| over the reduction of any output column/channel. */
    private final double maxAbsWeightSum;
    /** The constant weight and zero point this was made for (null zero point: none given). */
    private final Tensor weight;
    private final Tensor weightZeroPoint;
    /** Winograd for 3x3 convolutions where it fits, else null. */
    private final ConvWinograd winograd;

    private ExactFloatAccumulation(Op floatOp, Tensor shiftedWeight, double maxAbsWeightSum, Tensor weight,
                                   Tensor weightZeroPoint, ConvWinograd winograd) {
        this.floatOp = floatOp;
        this.winograd = winograd;
        this.shiftedWeight = shiftedWeight;
        this.maxAbsWeightSum = maxAbsWeightSum;
        this.weight = weight;
        this.weightZeroPoint = weightZeroPoint;
    }

    /**
     * Whether a run may use this: it receives the very weight and zero-point tensors this was made
     * from (a caller overriding an initializer gets the int32 kernels) and the sums stay exact.
     */
    boolean appliesTo(Tensor w, Tensor wz, boolean xUnsigned, int xZeroPoint) {
        return w == weight && wz == weightZeroPoint && exactFor(xUnsigned, xZeroPoint);
    }

    /**
     * For a QLinearConv/ConvInteger whose weight [M, C/g, k...] and weight zero point are
     * constants: a float Conv with the same attributes over {@code w - wz}; null when they are not.
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
        int k = w.size() / m;
        float[] shifted = new float[w.size()];
        double maxSum = 0;
        boolean unsigned = w.dtype() == DType.UINT8;
        byte[] wb = w.bytes();
        for (int r = 0; r < m; r++) {
            int z = wz.length == 1 ? wz[0] : wz[r];
            double sum = 0;
            for (int i = r * k; i < (r + 1) * k; i++) {
                shifted[i] = (unsigned ? wb[i] & 0xFF : wb[i]) - z;
                sum += Math.abs(shifted[i]);
            }
            maxSum = Math.max(maxSum, sum);
        }
        Node conv = new Node("Conv", ctx.node().name() + "/exact_float", new ArrayList<>(List.of("x", "w")),
                new ArrayList<>(List.of("y")));
        for (String a : List.of("kernel_shape", "strides", "pads", "dilations", "group", "auto_pad")) {
            if (ctx.node().has(a)) {
                conv.set(ctx.node().attributes().get(a));
            }
        }
        Graph g = new Graph("exact_float");
        Tensor shiftedWeight = Tensor.of(shifted, w.shape());
        g.setInitializer("w", shiftedWeight);
        return new ExactFloatAccumulation(ConvForward.create(new OpContext(conv, 11, g)), shiftedWeight, maxSum, w,
                optionalConstant(ctx, zeroPointIndex), ConvWinograd.of(ctx, w, wz));
    }

    /**
     * For a QLinearMatMul/MatMulInteger whose B [K, N] (2-D) and B zero point are constants: a float
     * MatMul over {@code b - bz}; null when they are not.
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
        double[] sums = new double[n];
        for (int r = 0; r < k; r++) {
            for (int c = 0; c < n; c++) {
                int i = r * n + c;
                int src = transposed ? c * k + r : i;
                shifted[i] = (unsigned ? bb[src] & 0xFF : bb[src]) - (bz.length == 1 ? bz[0] : bz[c]);
                sums[c] += Math.abs(shifted[i]);
            }
        }
        double maxSum = 0;
        for (double s : sums) {
            maxSum = Math.max(maxSum, s);
        }
        Node mm = new Node("MatMul", ctx.node().name() + "/exact_float", new ArrayList<>(List.of("a", "b")),
                new ArrayList<>(List.of("y")));
        Graph g = new Graph("exact_float");
        Tensor shiftedWeight = Tensor.of(shifted, k, n);
        g.setInitializer("b", shiftedWeight);
        OpContext mmCtx = new OpContext(mm, 13, g);
        return new ExactFloatAccumulation(MatMulOps.matMul(mmCtx), shiftedWeight, maxSum, b, optionalConstant(ctx, zeroPointIndex), null);
    }

    /** Whether every partial sum stays exact for inputs of this type and zero point. */
    boolean exactFor(boolean xUnsigned, int xZeroPoint) {
        int lo = xUnsigned ? 0 : -128;
        int hi = xUnsigned ? 255 : 127;
        int maxAbsX = Math.max(Math.abs(lo - xZeroPoint), Math.abs(hi - xZeroPoint));
        return maxAbsX * maxAbsWeightSum <= EXACT_LIMIT;
    }

    /**
     * The accumulators as float (exact integers): the float op on {@code x - xz}. The result's array
     * comes from the run's buffer pool: callers done with it hand it back with {@link BufferPool#release}.
     */
    Tensor accumulate(Tensor x, boolean xUnsigned, int xZeroPoint) {
        Tensor winogradAcc = winograd == null ? null : winograd.accumulate(x, xUnsigned, xZeroPoint);
        if (winogradAcc != null) {
            return winogradAcc;
        }
        byte[] xb = x.bytes();
        float[] shifted = BufferPool.floatsUninitialized(xb.length);
        if (xUnsigned) {
            for (int i = 0; i < xb.length; i++) {
                shifted[i] = (xb[i] & 0xFF) - xZeroPoint;
            }
        } else {
            for (int i = 0; i < xb.length; i++) {
                shifted[i] = xb[i] - xZeroPoint;
            }
        }
        Tensor acc = floatOp.run(new Tensor[] {Tensor.wrap(DType.FLOAT, x.shape(), shifted), shiftedWeight})[0];
        BufferPool.release(shifted);
        return acc;
    }

    private static Tensor optionalConstant(OpContext ctx, int index) {
        return index < ctx.node().inputs().size() && !ctx.node().input(index).isEmpty() ? ctx.constantInput(index) : null;
    }

    /** The float accumulators (exact integers) as int32; the float array goes back to the pool. */
    static int[] toInts(Tensor acc) {
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
