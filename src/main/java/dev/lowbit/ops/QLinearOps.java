package dev.lowbit.ops;

import dev.lowbit.exec.OpRegistry;
import dev.lowbit.exec.UnsupportedOpException;
import dev.lowbit.quant.QuantMath;
import dev.lowbit.tensor.DType;
import dev.lowbit.tensor.Tensor;

/**
 * QLinearConv and QLinearMatMul: exact int32 accumulation of (x - xz) * (w - wz), then ONNX
 * Runtime's requantization {@code saturate(rint(float(acc) * ((xs * ws) / ys)) + yz)} in float32.
 */
final class QLinearOps {
    private QLinearOps() {
    }

    static void register(OpRegistry r) {
        r.register("QLinearMatMul", ctx -> inputs -> {
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
            DType outType = yzT.dtype();
            QuantTensors.unsigned8(yzT, "y_zero_point");
            IntegerOps.MatMulResult res = IntegerOps.matmul(a, au, az, b, bu, bz);
            QuantTensors.checkCount(bs.length, res.n(), "b_scale");
            float[] mult = new float[bs.length];
            for (int j = 0; j < mult.length; j++) {
                mult[j] = QuantMath.multiplier(as[0], bs[j], ys[0]);
            }
            int[] acc = res.acc();
            int yz = QuantTensors.ints(yzT)[0];
            int qmin = (int) outType.minValue();
            int qmax = (int) outType.maxValue();
            int n = res.n();
            int[] q = new int[acc.length];
            for (int i = 0; i < acc.length; i++) {
                q[i] = QuantMath.requantize(acc[i], mult.length == 1 ? mult[0] : mult[i % n], yz, qmin, qmax);
            }
            return new Tensor[] {QuantTensors.fromInts(q, outType, res.shape())};
        });
        r.register("QLinearConv", ctx -> {
            IntegerOps.ConvAttrs attrs = IntegerOps.ConvAttrs.of(ctx);
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
                if (QuantTensors.unsigned8(yzT, "y_zero_point") != xu) {
                    throw new IllegalArgumentException("QLinearConv y_zero_point type differs from x type");
                }
                IntegerOps.ConvResult res = attrs.convolve(x, xu, xz[0], w, wu, wz);
                int m = res.outChannels();
                QuantTensors.checkCount(ws.length, m, "w_scale");
                int[] b = bias == null ? null : IntegerOps.int32Values(bias, "QLinearConv bias");
                if (b != null && b.length != m) {
                    throw new IllegalArgumentException("QLinearConv bias has " + b.length + " values, expected " + m);
                }
                DType outType = yzT.dtype();
                int yz = QuantTensors.ints(yzT)[0];
                int qmin = (int) outType.minValue();
                int qmax = (int) outType.maxValue();
                int[] acc = res.acc();
                int spatial = res.spatial();
                int[] q = new int[acc.length];
                for (int base = 0, ch = 0; base < acc.length; base += spatial, ch = (ch + 1) % m) {
                    float mult = QuantMath.multiplier(xs[0], ws.length == 1 ? ws[0] : ws[ch], ys[0]);
                    int add = b == null ? 0 : b[ch];
                    for (int i = base; i < base + spatial; i++) {
                        q[i] = QuantMath.requantize(acc[i] + add, mult, yz, qmin, qmax);
                    }
                }
                return new Tensor[] {QuantTensors.fromInts(q, outType, res.shape())};
            };
        });
    }
}
