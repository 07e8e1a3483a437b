package dev.lowbit.ops;

import dev.lowbit.LowbitException;
import dev.lowbit.exec.Op;
import dev.lowbit.exec.OpContext;
import dev.lowbit.exec.OpRegistry;
import dev.lowbit.onnx.Graph;
import dev.lowbit.onnx.Node;
import dev.lowbit.quant.QuantMath;
import dev.lowbit.tensor.BufferPool;
import dev.lowbit.tensor.DType;
import dev.lowbit.tensor.Parallel;
import dev.lowbit.tensor.Tensor;
import dev.lowbit.tensor.kernels.IntQuantize;
import java.util.Arrays;

/**
 * Quantized convolution stacks on channel-blocked activations: what a QLinearConv and a QLinearAdd
 * become inside a blocked region ({@link BlockedConvOps}), bit for bit what ONNX Runtime computes.
 *
 * <p>Inside a region, an 8-bit activation q with zero point z is held as the float {@code q - z},
 * an exact small integer. A QLinearConv is then a float {@code BlockedConv} over the shifted weight
 * {@code w - wz}: every product and partial sum is an integer below 2^24 in magnitude (checked
 * here from the weights, the bias and the widest input the type allows), so the float kernels'
 * sums are the int32 accumulators exactly, whatever their order. Their epilogue adds the int32 bias
 * (exact), multiplies by ORT's multiplier {@code (xs * ws) / ys} in float, clamps to
 * {@code [qmin - yz, qmax - yz]} and rounds half to even: ORT's requantization minus the output
 * zero point, which is again the next op's shifted input. Nothing is converted between the layers:
 * no bytes widened to floats before a convolution, no separate requantization pass after it.
 *
 * <p>A QLinearAdd becomes {@code ShiftedQLinearAdd} ({@link IntQuantize#linearAddShifted}): the
 * operands' byte values are {@code a + za}, exact, fed to the same fused multiply-adds as
 * {@link QLinearBinaryOps}' kernel. Its inputs must have the same shape (the region's rewrite
 * admits only such Adds).
 */
public final class QuantizedBlocks {
    public static final String SHIFTED_ADD = "ShiftedQLinearAdd";
    /** QLinearAdd's scale and zero-point inputs: A's, B's, C's. */
    private static final int[] ADD_PARAMETERS = {1, 2, 4, 5, 6, 7};
    /** QLinearGlobalAveragePool of shifted blocks (attribute {@link BlockedConvOps#CHANNELS}), giving NCHW bytes. */
    public static final String AVERAGE_BLOCKS = "QLinearGlobalAveragePoolBlocks";
    /** BlockedConv's attribute: one requantization multiplier per output channel. */
    public static final String REQUANTIZE = "requantize";
    /**
     * Positions whose shifted 8-bit values (|v| <= 255) a float32 sum adds exactly: every partial sum
     * stays an integer below 2^24.
     */
    static final int EXACT_SUM_POSITIONS = (1 << 24) / 256;
    /** ToBlocks' and FromBlocks' attribute: the zero point of the 8-bit tensor converted. */
    public static final String ZERO_POINT = "zero_point";
    /** FromBlocks' attribute: the ONNX element type of the 8-bit tensor it makes. */
    public static final String TO = "to";

    private QuantizedBlocks() {
    }

    static void register(OpRegistry r) {
        r.register(OpRegistry.ENGINE_DOMAIN, SHIFTED_ADD, 1, QuantizedBlocks::shiftedAdd);
        r.register(OpRegistry.ENGINE_DOMAIN, AVERAGE_BLOCKS, 1, QuantizedBlocks::averageBlocks);
    }

    /**
     * A QLinearConv as a float BlockedConv over shifted values: the weight {@code w - wz} [M, C/g,
     * kH, kW], the int32 bias as floats [M], the multipliers, the clamp in the shifted domain, and
     * the 8-bit type and zero point of its input and output.
     */
    public record ConvForm(Tensor weight, Tensor bias, float[] multipliers, float lo, float hi, DType inputType,
                           int inputZeroPoint, DType outputType, int outputZeroPoint) {
    }

    /** BlockedConv's attribute: a QLinearAdd folded into a requantizing 1x1 Conv ({@link ResidualAdd}). */
    public static final String RESIDUAL_ADD = "residual_add";

    /**
     * A ShiftedQLinearAdd folded into the requantizing 1x1 BlockedConv that makes one of its inputs:
     * the Conv's 4th input is the other one, and after the requantization each output tile gets
     * {@link IntQuantize#linearAddShifted} with A and B in the Add's order ({@code convIsA}: the
     * Conv's output is A). Stored as a float-array attribute.
     */
    public record ResidualAdd(float ratioA, float ratioB, float fixed, float za, float zb, float zc, float qmin,
                              float qmax, boolean convIsA) {
        public float[] toAttribute() {
            return new float[] {ratioA, ratioB, fixed, za, zb, zc, qmin, qmax, convIsA ? 1f : 0f};
        }

        static ResidualAdd of(float[] v) {
            return new ResidualAdd(v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8] != 0f);
        }

        /** out = the Add of the Conv's requantized output y and the other input r (shifted values). */
        void apply(float[] y, float[] r, int off, int n) {
            float[] a = convIsA ? y : r, b = convIsA ? r : y;
            IntQuantize.linearAddShifted(a, off, b, off, n, za, zb, ratioA, ratioB, fixed, qmin, qmax, zc, y, off);
        }
    }

    /**
     * The residual form of a ShiftedQLinearAdd (made by the blocked rewrite from a QLinearAdd whose
     * {@link #add} form exists) for a Conv making its input {@code convInput} (0 or 3).
     */
    public static ResidualAdd residualAdd(Graph g, Node add, int convInput) {
        Tensor[] p = constants(g, add, 8, ADD_PARAMETERS);
        DType t = p[2].dtype();
        QLinearBinaryOps.AddKernel k = addKernel(p, t);
        return new ResidualAdd(k.ratioA(), k.ratioB(), k.fixed(), zeroPoint(p[2], t), zeroPoint(p[5], t),
                zeroPoint(p[7], t), outputMin(add, t), outputMax(add, t), convInput == 0);
    }

    /** The 8-bit type and the zero points of a QLinearAdd's inputs A, B and output C. */
    public record AddForm(DType type, int zeroA, int zeroB, int zeroC) {
    }

    /**
     * The blocked form of a QLinearConv whose weight, scales, zero points and bias are constants,
     * x and y quantized per tensor; null when it has none, or when some accumulator could leave the
     * range float32 holds exactly for some input of its type.
     */
    public static ConvForm conv(Graph g, Node n) {
        if (!n.opType().equals("QLinearConv") || !n.domain().isEmpty() || n.inputs().size() < 8 || n.outputs().size() != 1) {
            return null;
        }
        Tensor w = g.initializer(n.input(3));
        Tensor[] params = constants(g, n, 9, 1, 2, 4, 5, 6, 7, 8);
        if (params == null) {
            return null;
        }
        if (w == null || w.rank() != 4 || params[2] == null || params[7] == null) {
            return null;
        }
        try {
            return convForm(n, w, params);
        } catch (LowbitException | IllegalArgumentException e) {
            return null; // a QLinearConv this cannot take stays where it is, and reports its problem when it runs
        }
    }

    private static ConvForm convForm(Node n, Tensor w, Tensor[] p) {
        boolean xu = QuantTensors.unsigned8(p[2], "x_zero_point");
        boolean wu = QuantTensors.unsigned8(w, "w");
        float xs = QuantTensors.scalarScale(p[1], "x_scale");
        float ys = QuantTensors.scalarScale(p[6], "y_scale");
        int xz = QuantTensors.scalarZeroPoint(p[2], p[2].dtype(), "x_zero_point");
        int yz = QuantTensors.scalarZeroPoint(p[7], p[7].dtype(), "y_zero_point");
        QuantTensors.unsigned8(p[7], "y_zero_point");
        float[] ws = QuantTensors.scales(p[4], "w_scale");
        int[] wz = QuantTensors.zeroPoints8(p[5], wu, "w_zero_point");
        int m = w.dim(0);
        int[] bias = p[8] == null ? new int[m] : IntegerOps.int32Values(p[8], "bias");
        if ((ws.length != 1 && ws.length != m) || (wz.length != 1 && wz.length != m) || bias.length != m) {
            return null;
        }
        int k = w.size() / m;
        byte[] wb = w.bytes();
        float[] shifted = new float[w.size()];
        int widestX = Math.max(Math.abs(typeMin(p[2].dtype()) - xz), Math.abs(typeMax(p[2].dtype()) - xz));
        float[] mult = new float[m];
        float[] biasF = new float[m];
        for (int f = 0; f < m; f++) {
            double sum = 0;
            for (int i = f * k; i < (f + 1) * k; i++) {
                shifted[i] = (wu ? wb[i] & 0xFF : wb[i]) - wz[wz.length == 1 ? 0 : f];
                sum += Math.abs(shifted[i]);
            }
            // Every partial sum of the accumulator, and the accumulator plus the bias, stay exact.
            if (widestX * sum + Math.abs((double) bias[f]) > ExactFloatAccumulation.EXACT_LIMIT) {
                return null;
            }
            mult[f] = QuantMath.multiplier(xs, ws[ws.length == 1 ? 0 : f], ys);
            biasF[f] = bias[f];
        }
        DType yt = p[7].dtype();
        int qmin = outputMin(n, yt);
        int qmax = outputMax(n, yt);
        return new ConvForm(Tensor.of(shifted, w.shape()), Tensor.of(biasF, m), mult, qmin - yz, qmax - yz,
                p[2].dtype(), xz, yt, yz);
    }

    /**
     * The blocked form of a QLinearAdd (com.microsoft) with constant per-tensor scales and zero
     * points of one 8-bit type; null when it has none, or when ORT's arithmetic for it could
     * overflow the rounding (then its byte kernel's saturation rules apply, not a clamp).
     */
    public static AddForm add(Graph g, Node n) {
        if (!n.opType().equals("QLinearAdd") || !n.domain().equals("com.microsoft") || n.inputs().size() < 7
                || n.outputs().size() != 1 || n.has(OpRegistry.OUTPUT_TABLE)) {
            return null;
        }
        Tensor[] p = constants(g, n, 8, ADD_PARAMETERS);
        if (p == null) {
            return null;
        }
        if (p[2] == null || p[5] == null || p[7] == null || p[2].dtype() != p[5].dtype() || p[2].dtype() != p[7].dtype()) {
            return null;
        }
        try {
            DType t = p[2].dtype();
            QuantTensors.unsigned8(p[2], "A_zero_point");
            QLinearBinaryOps.AddKernel k = addKernel(p, t);
            return k.fitsVectorRounding() ? new AddForm(t, zeroPoint(p[2], t), zeroPoint(p[5], t), zeroPoint(p[7], t)) : null;
        } catch (LowbitException | IllegalArgumentException e) {
            return null;
        }
    }

    private static QLinearBinaryOps.AddKernel addKernel(Tensor[] p, DType t) {
        return QLinearBinaryOps.AddKernel.of(QuantTensors.scalarScale(p[1], "A_scale"), zeroPoint(p[2], t),
                QuantTensors.scalarScale(p[4], "B_scale"), zeroPoint(p[5], t), QuantTensors.scalarScale(p[6], "C_scale"),
                zeroPoint(p[7], t), t == DType.UINT8);
    }

    private static int zeroPoint(Tensor zp, DType t) {
        return QuantTensors.scalarZeroPoint(zp, t, "zero point");
    }

    /** QLinearAdd's inputs, A and B shifted floats of one shape, C shifted by its zero point. */
    private static Op shiftedAdd(OpContext ctx) {
        Tensor[] p = new Tensor[8];
        for (int i : ADD_PARAMETERS) {
            p[i] = ctx.constantInput(i);
            if (p[i] == null) {
                throw ctx.unsupported("ShiftedQLinearAdd needs constant scales and zero points");
            }
        }
        DType t = p[2].dtype();
        QLinearBinaryOps.AddKernel k = addKernel(p, t);
        float za = zeroPoint(p[2], t), zb = zeroPoint(p[5], t), zc = zeroPoint(p[7], t);
        float qmin = outputMin(ctx.node(), t), qmax = outputMax(ctx.node(), t);
        return in -> {
            Tensor a = in[0], b = in[3];
            if (a.dtype() != DType.FLOAT || b.dtype() != DType.FLOAT || !Arrays.equals(a.shapeRef(), b.shapeRef())) {
                throw new IllegalArgumentException("ShiftedQLinearAdd needs two float tensors of one shape, got " + a
                        + " and " + b);
            }
            float[] x = a.floats(), y = b.floats();
            float[] out = BufferPool.floatsUninitialized(x.length);
            Parallel.forRange(x.length, 1 << 14, (s, e) -> IntQuantize.linearAddShifted(x, s, y, s, e - s, za, zb,
                    k.ratioA(), k.ratioB(), k.fixed(), qmin, qmax, zc, out, s));
            return new Tensor[] {Tensor.wrap(DType.FLOAT, a.shape(), out)};
        };
    }

    /**
     * Whether {@code n} is a QLinearGlobalAveragePool (NCHW) of constant per-tensor parameters
     * reading values of type {@code type} with zero point {@code zeroPoint}: then it can read them
     * in blocks ({@link #AVERAGE_BLOCKS}).
     */
    public static boolean isAveragePool(Graph g, Node n, DType type, int zeroPoint) {
        if (!n.opType().equals("QLinearGlobalAveragePool") || !n.domain().equals("com.microsoft")
                || n.getInt("channels_last", 0) != 0 || n.inputs().size() < 5) {
            return false;
        }
        Tensor xs = g.initializer(n.input(1)), xz = g.initializer(n.input(2));
        Tensor ys = g.initializer(n.input(3)), yz = g.initializer(n.input(4));
        return xs != null && xz != null && ys != null && yz != null && xz.dtype() == type && yz.dtype() == type
                && xz.size() == 1 && yz.size() == 1 && xs.size() == 1 && ys.size() == 1 && xs.dtype() == DType.FLOAT
                && ys.dtype() == DType.FLOAT && QuantTensors.ints(xz)[0] == zeroPoint;
    }

    /**
     * ORT's QLinearGlobalAveragePool ({@link QLinearPoolOps}) on shifted blocks: the sum of each
     * channel's {@code x - zX} is the int32 sum ORT forms (the sum of the bytes minus
     * {@code zX * size}), then times {@code sX / (sY * size)}, clamped, rounded half to even, plus zY.
     */
    private static Op averageBlocks(OpContext ctx) {
        int channels = (int) ctx.node().getInt(BlockedConvOps.CHANNELS, -1);
        Tensor xs = ctx.constantInput(1), yz = ctx.constantInput(4), ys = ctx.constantInput(3);
        if (xs == null || ys == null || yz == null) {
            throw ctx.unsupported("QLinearGlobalAveragePoolBlocks needs constant scales and zero points");
        }
        DType type = yz.dtype();
        int zy = zeroPoint(yz, type);
        float sx = QuantTensors.scalarScale(xs, "x_scale"), sy = QuantTensors.scalarScale(ys, "y_scale");
        return in -> {
            Tensor x = in[0];
            int lanes = BlockedConvOps.LANES;
            if (x.rank() != 5 || x.dim(4) != lanes || x.dim(1) != (channels + lanes - 1) / lanes) {
                throw new IllegalArgumentException(AVERAGE_BLOCKS + ": " + x + " does not hold " + channels + " channels");
            }
            int batch = x.dim(0), blocks = x.dim(1), positions = x.dim(2) * x.dim(3);
            float scale = sx / (sy * (float) positions);
            if (positions >= 0x1000000 || scale < 0x1.0p-32f || scale >= 256.0f) {
                throw new IllegalArgumentException("QLinearGlobalAveragePool parameter out of computation range "
                        + "(ONNX Runtime refuses it): scale ratio " + scale + ", image of " + positions + " values");
            }
            float lo = typeMin(type) - zy, hi = typeMax(type) - zy;
            float[] xv = x.floats();
            Tensor out = Tensor.zeros(type, new int[] {batch, channels, 1, 1});
            byte[] y = out.bytes();
            Parallel.forRange(batch * blocks, Math.max(1, 8192 / Math.max(1, positions * lanes)), (t0, t1) -> {
                float[] sum = new float[lanes];
                for (int t = t0; t < t1; t++) {
                    sumPositions(xv, t * positions * lanes, positions, lanes, sum);
                    int c0 = (t % blocks) * lanes, live = Math.min(lanes, channels - c0);
                    for (int l = 0; l < live; l++) {
                        float v = Math.min(Math.max(sum[l] * scale, lo), hi);
                        y[(t / blocks) * channels + c0 + l] = (byte) (MlasConversions.cvtps2dq(v) + zy);
                    }
                }
            });
            return new Tensor[] {out};
        };
    }

    /**
     * Per lane, the sum of {@code positions} shifted 8-bit values from {@code at}: ORT's int32 sum.
     * In float32 runs of {@link #EXACT_SUM_POSITIONS} (each exact), added in double across runs.
     */
    private static void sumPositions(float[] x, int at, int positions, int lanes, float[] sum) {
        if (positions <= EXACT_SUM_POSITIONS) {
            Arrays.fill(sum, 0f);
            for (int q = 0; q < positions; q++, at += lanes) {
                for (int l = 0; l < lanes; l++) {
                    sum[l] += x[at + l];
                }
            }
            return;
        }
        double[] total = new double[lanes];
        for (int q0 = 0; q0 < positions; q0 += EXACT_SUM_POSITIONS) {
            int run = Math.min(EXACT_SUM_POSITIONS, positions - q0);
            sumPositions(x, at + q0 * lanes, run, lanes, sum);
            for (int l = 0; l < lanes; l++) {
                total[l] += sum[l];
            }
        }
        for (int l = 0; l < lanes; l++) {
            sum[l] = (float) total[l]; // what ORT's int32 sum gives in float below 2^24, rounded alike above
        }
    }

    /**
     * The constant inputs {@code indices} of {@code n} at their indices in an array of {@code size}
     * (null where an input is absent); null when a present one is not an initializer.
     */
    private static Tensor[] constants(Graph g, Node n, int size, int... indices) {
        Tensor[] p = new Tensor[size];
        for (int i : indices) {
            p[i] = n.hasInput(i) ? g.initializer(n.input(i)) : null;
            if (p[i] == null && n.hasInput(i)) {
                return null;
            }
        }
        return p;
    }

    /** The least output value of {@code n}: its type's, or a byte clamp folded in ({@link OpRegistry#CLAMP_LOW}). */
    private static int outputMin(Node n, DType t) {
        return (int) Math.max(typeMin(t), n.getInt(OpRegistry.CLAMP_LOW, Long.MIN_VALUE));
    }

    /** The greatest output value of {@code n}: its type's, or a byte clamp folded in ({@link OpRegistry#CLAMP_HIGH}). */
    private static int outputMax(Node n, DType t) {
        return (int) Math.min(typeMax(t), n.getInt(OpRegistry.CLAMP_HIGH, Long.MAX_VALUE));
    }

    static int typeMin(DType t) {
        return t == DType.UINT8 ? 0 : -128;
    }

    static int typeMax(DType t) {
        return t == DType.UINT8 ? 255 : 127;
    }
}
