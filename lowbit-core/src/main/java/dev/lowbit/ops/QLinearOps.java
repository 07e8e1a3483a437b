package dev.lowbit.ops;

import dev.lowbit.exec.Op;
import dev.lowbit.exec.OpContext;
import dev.lowbit.exec.OpRegistry;
import dev.lowbit.UnsupportedOpException;
import dev.lowbit.quant.QuantMath;
import dev.lowbit.tensor.BufferPool;
import dev.lowbit.tensor.DType;
import dev.lowbit.tensor.Parallel;
import dev.lowbit.tensor.Tensor;
import dev.lowbit.tensor.kernels.IntQuantize;

/**
 * QLinearConv and QLinearMatMul: exact int32 accumulation of (x - xz) * (w - wz), then ONNX
 * Runtime's requantization {@code saturate(rint(float(acc) * ((xs * ws) / ys)) + yz)} in float32.
 */
final class QLinearOps {
    private QLinearOps() {
    }

    static void register(OpRegistry r) {
        r.register("", "QLinearMatMul", 10, QLinearOps::matMul);
        r.register("", "QLinearConv", 10, QLinearOps::conv);
    }

    private static Op matMul(OpContext ctx) {
        MatMulAccumulation accumulation = MatMulAccumulation.of(ctx, 3, 5);
        return inputs -> {
            Tensor a = inputs[0];
            Tensor b = inputs[3];
            boolean au = QuantTensors.unsigned8(a, "QLinearMatMul a");
            boolean bu = QuantTensors.unsigned8(b, "QLinearMatMul b");
            float[] as = QuantTensors.scales(inputs[1], "a_scale");
            int[] az = QuantTensors.zeroPoints8(inputs[2], au, "a_zero_point");
            float[] bs = QuantTensors.scales(inputs[4], "b_scale");
            int[] bz = QuantTensors.zeroPoints8(inputs[5], bu, "b_zero_point");
            float[] ys = QuantTensors.scales(inputs[6], "y_scale");
            Tensor yzT = inputs[7];
            if (as.length != 1 || ys.length != 1 || yzT.size() != 1 || az.length != 1) {
                throw new UnsupportedOpException("QLinearMatMul with non-scalar a or y quantization is not supported");
            }
            QuantTensors.unsigned8(yzT, "y_zero_point"); // the output type: u8 or s8, independent of a's
            IntegerOps.MatMulResult res = accumulation.accumulateInts(a, au, az, b, bu, bz, inputs[5]);
            int n = res.n();
            QuantTensors.checkCount(bs.length, n, "b_scale");
            float[] mult = new float[n];
            for (int j = 0; j < n; j++) {
                mult[j] = QuantMath.multiplier(as[0], bs.length == 1 ? bs[0] : bs[j], ys[0]);
            }
            // Every row of the result has n columns: requantize row by row with the per-column multipliers.
            int[] zero = new int[n];
            int[] q = requantizeRows(res.acc(), n, mult, zero, yzT);
            return new Tensor[] {QuantTensors.fromInts(q, yzT.dtype(), res.shape())};
        };
    }

    private static Op conv(OpContext ctx) {
        IntegerOps.ConvAttrs attrs = IntegerOps.ConvAttrs.of(ctx);
        ConvAccumulation fast = ConvAccumulation.of(ctx, 3, 5, attrs);
        return inputs -> {
            Tensor x = inputs[0];
            Tensor w = inputs[3];
            boolean xu = QuantTensors.unsigned8(x, "QLinearConv x");
            boolean wu = QuantTensors.unsigned8(w, "QLinearConv w");
            float[] xs = QuantTensors.scales(inputs[1], "x_scale");
            int[] xz = QuantTensors.zeroPoints8(inputs[2], xu, "x_zero_point");
            float[] ws = QuantTensors.scales(inputs[4], "w_scale");
            int[] wz = QuantTensors.zeroPoints8(inputs[5], wu, "w_zero_point");
            float[] ys = QuantTensors.scales(inputs[6], "y_scale");
            Tensor yzT = inputs[7];
            Tensor bias = inputs.length > 8 ? inputs[8] : null;
            if (xs.length != 1 || xz.length != 1 || ys.length != 1 || yzT.size() != 1) {
                throw new UnsupportedOpException("QLinearConv with non-scalar x or y quantization is not supported");
            }
            QuantTensors.unsigned8(yzT, "y_zero_point"); // the output type: u8 or s8, independent of x's
            Tensor acc = fast == null ? null : fast.accumulate(x, xu, xz[0], w, inputs[5]);
            if (acc != null) {
                int m = w.dim(0);
                QuantTensors.checkCount(ws.length, m, "w_scale");
                int[] b = bias == null ? new int[m] : IntegerOps.int32Values(bias, "QLinearConv bias");
                if (b.length != m) {
                    throw new IllegalArgumentException("QLinearConv bias has " + b.length + " values, expected " + m);
                }
                float[] mult = multipliers(xs[0], ws, ys[0], m);
                if (acc.dtype() == DType.INT32) { // int16 runs, Winograd or a float reduction in parts summed in int32
                    Tensor y = requantizePlanes(acc.ints(), acc.shape(), m, mult, b, yzT, outputRange(ctx, yzT));
                    BufferPool.release(acc.ints());
                    return new Tensor[] {y};
                }
                Tensor y = requantizeFloatPlanes(acc, m, mult, b, yzT, outputRange(ctx, yzT));
                BufferPool.release(acc.floats());
                return new Tensor[] {y};
            }
            IntegerOps.ConvResult res = attrs.convolve(x, xu, xz[0], w, wu, wz);
            int m = res.outChannels();
            QuantTensors.checkCount(ws.length, m, "w_scale");
            int[] b = bias == null ? new int[m] : IntegerOps.int32Values(bias, "QLinearConv bias");
            if (b.length != m) {
                throw new IllegalArgumentException("QLinearConv bias has " + b.length + " values, expected " + m);
            }
            // Output is [N, M, spatial]: each channel's plane uses its own multiplier and bias.
            return new Tensor[] {requantizePlanes(res.acc(), res.shape(), m, multipliers(xs[0], ws, ys[0], m), b, yzT,
                    outputRange(ctx, yzT))};
        };
    }

    /**
     * The output's saturation bounds: the 8-bit type's range, narrowed by the engine attributes
     * {@link OpRegistry#CLAMP_LOW} / {@link OpRegistry#CLAMP_HIGH} when the engine folded a byte clamp
     * (a 7-bit activation's) into this op. Requantizing straight into the narrower range equals
     * requantizing then clamping, as the bounds are integers inside the type's range.
     */
    private static int[] outputRange(OpContext ctx, Tensor yzT) {
        DType t = yzT.dtype();
        return new int[] {(int) Math.max(t.minValue(), ctx.node().getInt(OpRegistry.CLAMP_LOW, Long.MIN_VALUE)),
            (int) Math.min(t.maxValue(), ctx.node().getInt(OpRegistry.CLAMP_HIGH, Long.MAX_VALUE))};
    }

    /** Per output channel: (x scale * w scale) / y scale, as ONNX Runtime computes it. */
    private static float[] multipliers(float xScale, float[] wScales, float yScale, int m) {
        float[] mult = new float[m];
        for (int c = 0; c < m; c++) {
            mult[c] = QuantMath.multiplier(xScale, wScales.length == 1 ? wScales[0] : wScales[c], yScale);
        }
        return mult;
    }

    /**
     * {@link #requantizePlanes} for accumulators the float kernels produced ([N, M, spatial], exact
     * integers as float), straight to the 8-bit output: {@code saturate(rint(float(acc + bias) * mult) + yz)}
     * ({@link IntQuantize#requantizeToBytes}).
     */
    private static Tensor requantizeFloatPlanes(Tensor acc, int m, float[] mult, int[] bias, Tensor yzT, int[] range) {
        DType t = yzT.dtype();
        if (t != DType.UINT8 && t != DType.INT8) {
            throw new UnsupportedOpException("QLinearConv output type " + t.onnxName() + " is not supported");
        }
        int yz = QuantTensors.ints(yzT)[0];
        int qmin = range[0];
        int qmax = range[1];
        Tensor out = Tensor.zeros(t, acc.shape());
        float[] a = acc.floats();
        byte[] q = out.bytes();
        int planes = acc.dim(0) * m;
        int spatial = planes == 0 ? 0 : a.length / planes;
        Parallel.forRange(planes, Math.max(1, 16384 / Math.max(1, spatial)), (start, end) -> {
            for (int p = start; p < end; p++) {
                int c = p % m;
                IntQuantize.requantizeToBytes(a, p * spatial, spatial, bias[c], mult[c], yz, qmin, qmax, q, p * spatial);
            }
        });
        return out;
    }

    /** Rows of {@code n} accumulators; column j uses {@code mult[j]} and {@code add[j]}. */
    private static int[] requantizeRows(int[] acc, int n, float[] mult, int[] add, Tensor yzT) {
        DType t = yzT.dtype();
        int yz = QuantTensors.ints(yzT)[0];
        int qmin = (int) t.minValue();
        int qmax = (int) t.maxValue();
        int[] q = new int[acc.length];
        int rows = n == 0 ? 0 : acc.length / n;
        boolean uniform = true;
        for (int j = 1; j < n; j++) {
            uniform &= mult[j] == mult[0] && add[j] == add[0];
        }
        boolean sameForAllColumns = uniform;
        Parallel.forRange(rows, Math.max(1, 16384 / Math.max(1, n)), (start, end) -> {
            for (int row = start; row < end; row++) {
                if (sameForAllColumns) {
                    IntQuantize.requantize(acc, row * n, n, add[0], mult[0], yz, qmin, qmax, q, row * n);
                    continue;
                }
                for (int j = 0, i = row * n; j < n; j++, i++) {
                    q[i] = QuantMath.requantize(acc[i] + add[j], mult[j], yz, qmin, qmax);
                }
            }
        });
        return q;
    }

    /**
     * int32 accumulators [N, M, spatial...] straight to the 8-bit output, plane by plane; channel c
     * uses {@code mult[c]} and {@code add[c]}.
     */
    private static Tensor requantizePlanes(int[] acc, int[] shape, int m, float[] mult, int[] add, Tensor yzT, int[] range) {
        DType t = yzT.dtype();
        if (t != DType.UINT8 && t != DType.INT8) {
            throw new UnsupportedOpException("QLinearConv output type " + t.onnxName() + " is not supported");
        }
        int yz = QuantTensors.ints(yzT)[0];
        int qmin = range[0];
        int qmax = range[1];
        Tensor out = Tensor.zeros(t, shape);
        byte[] q = out.bytes();
        int planes = shape[0] * m;
        int spatial = planes == 0 ? 0 : acc.length / planes;
        Parallel.forRange(planes, Math.max(1, 16384 / Math.max(1, spatial)), (start, end) -> {
            for (int p = start; p < end; p++) {
                int c = p % m;
                IntQuantize.requantizeToBytes(acc, p * spatial, spatial, add[c], mult[c], yz, qmin, qmax, q, p * spatial);
            }
        });
        return out;
    }
}
