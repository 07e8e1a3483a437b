package dev.lowbit.ops;

import dev.lowbit.UnsupportedOpException;
import dev.lowbit.exec.Op;
import dev.lowbit.exec.OpContext;
import dev.lowbit.exec.OpRegistry;
import dev.lowbit.onnx.Node;
import dev.lowbit.quant.QuantMath;
import dev.lowbit.tensor.DType;
import dev.lowbit.tensor.Parallel;
import dev.lowbit.tensor.Tensor;
import java.util.Arrays;

/**
 * ONNX Runtime's contrib ops whose arithmetic is a 256-entry table per input (domain
 * com.microsoft): QLinearLeakyRelu and QLinearSigmoid (inputs X, X_scale, X_zp, Y_scale, Y_zp) and
 * QLinearConcat (Y_scale, Y_zp, then X, X_scale, X_zp per input; attribute axis). ORT builds each
 * table as {@code QlinearBuildLookupTable} does (contrib_ops/cpu/quantization/qlinear_lookup_table.cc):
 * every byte value dequantized in float ({@code sX * (x - zX)}), the function applied, the 256
 * results quantized with MlasQuantizeLinear ({@link QuantMath#quantize}). Concat copies an input
 * whose scale and zero point equal the output's and maps the others through the identity's table
 * (qlinear_concat.cc).
 *
 * <p>Also the engine's own Requantize and RequantizeRelu ({@link OpRegistry#ENGINE_DOMAIN}; inputs X,
 * X_scale, X_zp, Y_scale, Y_zp): a DequantizeLinear, optionally a Relu, and a QuantizeLinear on a
 * per-tensor 8-bit value, which ONNX Runtime runs as three float ops. The table holds exactly the
 * bytes those float ops give for each input byte, so one lookup per element replaces them.
 */
final class QLinearTableOps implements OpRegistry.Family {
    private static final String MS = "com.microsoft";

    @Override
    public void register(OpRegistry r) {
        r.register(MS, "QLinearLeakyRelu", 1, ctx -> {
            float alpha = ctx.node().getFloat("alpha", 0.01f);
            return unary(ctx, v -> v >= 0f ? v : alpha * v);
        });
        r.register(MS, "QLinearSigmoid", 1, ctx -> unary(ctx, QLinearTableOps::logistic));
        r.register(MS, "QLinearConcat", 1, QLinearTableOps::concat);
        r.register(OpRegistry.ENGINE_DOMAIN, "Requantize", 1, QLinearTableOps::requantize);
        r.register(OpRegistry.ENGINE_DOMAIN, "RequantizeRelu", 1, QLinearTableOps::requantize);
        r.register(OpRegistry.ENGINE_DOMAIN, "ClampQuantized", 1, QLinearTableOps::clampQuantized);
    }

    /** The engine's clamp of 8-bit values to [low, high] (attributes), for a Clip moved after its QuantizeLinear. */
    private static Op clampQuantized(OpContext ctx) {
        int low = (int) ctx.node().getInt("low", Integer.MIN_VALUE);
        int high = (int) ctx.node().getInt("high", Integer.MAX_VALUE);
        return inputs -> {
            Tensor x = inputs[0];
            boolean u = QuantTensors.unsigned8(x, "ClampQuantized X");
            byte[] table = new byte[256];
            for (int i = 0; i < 256; i++) {
                table[i] = (byte) Math.min(Math.max(MlasConversions.value((byte) i, u), low), high);
            }
            Tensor out = Tensor.zeros(x.dtype(), x.shapeRef());
            lookup(x.bytes(), table, out.bytes());
            return new Tensor[] {out};
        };
    }

    /** DequantizeLinear, {@code f} in float, QuantizeLinear: input and output types may differ (u8 in, s8 out). */
    private static Op requantize(OpContext ctx) {
        boolean relu = ctx.node().opType().equals("RequantizeRelu");
        return inputs -> {
            Tensor x = inputs[0];
            QuantTensors.unsigned8(x, ctx.node().opType() + " X"); // 8-bit input, or a clear error
            byte[] table = requantizeTable(ctx.node(), x.dtype(), inputs[1], inputs[2], inputs[3], inputs[4], relu);
            Tensor out = Tensor.zeros(inputs[4].dtype(), x.shapeRef());
            lookup(x.bytes(), table, out.bytes());
            return new Tensor[] {out};
        };
    }

    /**
     * The 256 output bytes of the engine's Requantize (or, {@code relu}, RequantizeRelu) table for
     * inputs of type {@code xType} with scale xs and zero point xz, output scale ys and zero point
     * yz (whose type is the output's), a byte clamp folded into {@code node} included. Shared with
     * the QLinearAdd that a table was folded into.
     */
    static byte[] requantizeTable(Node node, DType xType, Tensor xs, Tensor xz, Tensor ys, Tensor yz, boolean relu) {
        String op = node.opType();
        boolean xu = xType == DType.UINT8;
        boolean yu = QuantTensors.unsigned8(yz, op + " Y_zero_point");
        byte[] table = table(xu, QuantTensors.scalarScale(xs, op + " X_scale"),
                QuantTensors.scalarZeroPoint(xz, xType, op + " X_zero_point"), QuantTensors.scalarScale(ys, op + " Y_scale"),
                QuantTensors.scalarZeroPoint(yz, yz.dtype(), op + " Y_zero_point"), yu, relu ? v -> Math.max(v, 0f) : v -> v);
        clampTable(table, yu, (int) node.getInt(OpRegistry.CLAMP_LOW, Integer.MIN_VALUE),
                (int) node.getInt(OpRegistry.CLAMP_HIGH, Integer.MAX_VALUE));
        return table;
    }

    /** A folded byte clamp (see {@link OpRegistry#CLAMP_LOW}) applied to the table's entries. */
    private static void clampTable(byte[] table, boolean unsigned, int low, int high) {
        for (int i = 0; i < table.length; i++) {
            table[i] = (byte) Math.min(Math.max(MlasConversions.value(table[i], unsigned), low), high);
        }
    }

    /** {@code out[i] = table[in[i]]}, in parallel over chunks. */
    private static void lookup(byte[] in, byte[] table, byte[] out) {
        Parallel.forRange(in.length, 1 << 16, (start, end) -> {
            for (int i = start; i < end; i++) {
                out[i] = table[in[i] & 0xFF];
            }
        });
    }

    /** A float function of one float, as ORT's table builders apply it. */
    private interface FloatFunction {
        float apply(float v);
    }

    private static Op unary(OpContext ctx, FloatFunction f) {
        String op = ctx.node().opType();
        return inputs -> {
            Tensor x = inputs[0];
            boolean u = QuantTensors.unsigned8(x, op + " X");
            byte[] table = table(u, QuantTensors.scalarScale(inputs[1], op + " X_scale"),
                    QuantTensors.scalarZeroPoint(inputs[2], x.dtype(), op + " X_zero_point"),
                    QuantTensors.scalarScale(inputs[3], op + " Y_scale"),
                    QuantTensors.scalarZeroPoint(inputs.length > 4 ? inputs[4] : null, x.dtype(), op + " Y_zero_point"), f);
            Tensor out = Tensor.zeros(x.dtype(), x.shapeRef());
            lookup(x.bytes(), table, out.bytes());
            return new Tensor[] {out};
        };
    }

    /** QlinearBuildLookupTable: the output byte for each input byte, indexed by the byte's bits. */
    private static byte[] table(boolean unsigned, float xs, int xz, float ys, int yz, FloatFunction f) {
        return table(unsigned, xs, xz, ys, yz, unsigned, f);
    }

    /** {@link #table(boolean, float, int, float, int, FloatFunction)} with an output type of its own. */
    private static byte[] table(boolean unsigned, float xs, int xz, float ys, int yz, boolean yUnsigned, FloatFunction f) {
        int qmin = yUnsigned ? 0 : -128;
        int qmax = yUnsigned ? 255 : 127;
        byte[] table = new byte[256];
        for (int i = 0; i < 256; i++) {
            float x = xs * (float) (MlasConversions.value((byte) i, unsigned) - xz);
            table[i] = (byte) QuantMath.quantize(f.apply(x), ys, yz, qmin, qmax);
        }
        return table;
    }

    /**
     * MLAS's logistic as ORT runs it on x86 with FMA3 (MlasLogisticKernelFma3,
     * mlas/lib/x86_64/LogisticKernelFma3.S; the coefficients are Eigen's, in logistic.cpp): the
     * input clamped to [-18, 18], odd and even polynomials in x^2 evaluated with fused
     * multiply-adds, their quotient plus one half, then clamped below at 0 only (it returns
     * 1.0000001 near 18, unlike the portable kernel).
     */
    static float logistic(float x) {
        float v = -18.0f > x ? -18.0f : x; // VMAXPS lower, x
        v = 18.0f < v ? 18.0f : v; // VMINPS upper, v
        float v2 = v * v;
        float p = Math.fma(v2, 4.37031012579801e-11f, 1.15627324459942e-07f);
        p = Math.fma(p, v2, 6.08574864600143e-05f);
        p = Math.fma(p, v2, 8.51377133304701e-03f);
        p = Math.fma(p, v2, 2.48287947061529e-01f);
        p = p * v;
        float q = Math.fma(v2, 6.10247389755681e-13f, 5.76102136993427e-09f);
        q = Math.fma(q, v2, 6.29106785017040e-06f);
        q = Math.fma(q, v2, 1.70198817374094e-03f);
        q = Math.fma(q, v2, 1.16817656904453e-01f);
        q = Math.fma(q, v2, 9.93151921023180e-01f);
        float y = p / q + 0.5f;
        return 0.0f > y ? 0.0f : y; // VMAXPS zero, y
    }

    private static Op concat(OpContext ctx) {
        int axisAttr = (int) ctx.node().getInt("axis", Integer.MIN_VALUE);
        if (axisAttr == Integer.MIN_VALUE) {
            throw ctx.unsupported("axis attribute is required");
        }
        return inputs -> {
            if (inputs.length < 5 || (inputs.length - 2) % 3 != 0) {
                throw new IllegalArgumentException("QLinearConcat needs Y_scale, Y_zero_point and (X, X_scale, X_zero_point) per input");
            }
            DType t = inputs[1].dtype();
            boolean u = QuantTensors.unsigned8(inputs[1], "QLinearConcat Y_zero_point");
            float ys = QuantTensors.scalarScale(inputs[0], "QLinearConcat Y_scale");
            int yz = QuantTensors.scalarZeroPoint(inputs[1], t, "QLinearConcat Y_zero_point");
            int count = (inputs.length - 2) / 3;
            int[] first = inputs[2].shapeRef();
            int axis = axisAttr < 0 ? axisAttr + first.length : axisAttr;
            if (axis < 0 || axis >= first.length) {
                throw new IllegalArgumentException("QLinearConcat axis " + axisAttr + " out of range for rank " + first.length);
            }
            int[] outShape = first.clone();
            outShape[axis] = 0;
            for (int k = 0; k < count; k++) {
                Tensor x = inputs[2 + 3 * k];
                if (x.dtype() != t) {
                    throw new UnsupportedOpException("QLinearConcat input " + k + " of type " + x.dtype().onnxName()
                            + " with an output of type " + t.onnxName());
                }
                int[] s = x.shapeRef();
                for (int d = 0; d < s.length; d++) {
                    if (s.length != first.length || (d != axis && s[d] != first[d])) {
                        throw new IllegalArgumentException("QLinearConcat input shapes " + Arrays.toString(first) + " and "
                                + Arrays.toString(s) + " differ outside axis " + axis);
                    }
                }
                outShape[axis] += s[axis];
            }
            Tensor out = Tensor.zeros(t, outShape);
            int outer = 1;
            for (int d = 0; d < axis; d++) {
                outer *= outShape[d];
            }
            int outPitch = out.size() / Math.max(1, outer);
            byte[] o = out.bytes();
            int offset = 0;
            for (int k = 0; k < count; k++) {
                Tensor x = inputs[2 + 3 * k];
                float xs = QuantTensors.scalarScale(inputs[3 + 3 * k], "QLinearConcat X_scale");
                int xz = QuantTensors.scalarZeroPoint(inputs[4 + 3 * k], t, "QLinearConcat X_zero_point");
                byte[] table = xs == ys && xz == yz ? null : table(u, xs, xz, ys, yz, v -> v);
                byte[] in = x.bytes();
                int pitch = in.length / Math.max(1, outer);
                for (int r = 0; r < outer; r++) {
                    int src = r * pitch;
                    int dst = r * outPitch + offset;
                    if (table == null) {
                        System.arraycopy(in, src, o, dst, pitch);
                    } else {
                        for (int i = 0; i < pitch; i++) {
                            o[dst + i] = table[in[src + i] & 0xFF];
                        }
                    }
                }
                offset += pitch;
            }
            return new Tensor[] {out};
        };
    }
}
