package dev.lowbit.ops;

import dev.lowbit.exec.Op;
import dev.lowbit.exec.OpContext;
import dev.lowbit.exec.OpRegistry;
import dev.lowbit.UnsupportedOpException;
import dev.lowbit.quant.QuantMath;
import dev.lowbit.tensor.DType;
import dev.lowbit.tensor.Tensor;

/**
 * ONNX Runtime's contrib QGemm (domain com.microsoft), the op its QDQ optimiser makes of
 * {@code DQ -> Gemm -> Q}: int32 accumulation of (a − az)(b − bz), plus the int32 bias C, then one
 * requantization with multiplier a_scale·b_scale[j]/y_scale — the same arithmetic as QLinearMatMul.
 * Supported: transA = 0, alpha = 1, transB 0 or 1 (a constant B is transposed once at load),
 * 1-D bias, quantized output.
 */
final class QGemmOps implements OpRegistry.Family {
    @Override
    public void register(OpRegistry r) {
        r.register("com.microsoft", "QGemm", 1, QGemmOps::create);
    }

    private static Op create(OpContext ctx) {
        var n = ctx.node();
        if (n.getInt("transA", 0) != 0 || n.getFloat("alpha", 1f) != 1f) {
            throw ctx.unsupported("QGemm with transA or alpha != 1");
        }
        if (!n.hasInput(7)) {
            throw ctx.unsupported("QGemm with a float output (no y_scale)");
        }
        boolean transB = n.getInt("transB", 0) == 1;
        MatMulAccumulation accumulation = transB ? MatMulAccumulation.transposed(ctx, 3, 5) : MatMulAccumulation.of(ctx, 3, 5);
        return inputs -> {
            Tensor a = inputs[0];
            boolean au = QuantTensors.unsigned8(a, "QGemm A");
            int[] az = QuantTensors.zeroPoints8(inputs[2], au, "a_zero_point");
            Tensor b = inputs[3];
            boolean bu = QuantTensors.unsigned8(b, "QGemm B");
            float[] as = QuantTensors.scales(inputs[1], "a_scale");
            float[] bs = QuantTensors.scales(inputs[4], "b_scale");
            int[] bz = QuantTensors.zeroPoints8(inputs[5], bu, "b_zero_point");
            Tensor c = inputs[6];
            float[] ys = QuantTensors.scales(inputs[7], "y_scale");
            Tensor yzT = inputs.length > 8 && inputs[8] != null ? inputs[8] : Tensor.zeros(DType.UINT8);
            if (as.length != 1 || ys.length != 1 || az.length != 1) {
                throw new UnsupportedOpException("QGemm with non-scalar A or Y quantization is not supported");
            }
            // The fast ways took B's layout into account once, at load time; the reference needs [K, N].
            Tensor fastAcc = accumulation.fast(a, au, az[0], b, inputs[5]);
            IntegerOps.MatMulResult res = fastAcc != null ? MatMulAccumulation.asInts(fastAcc, a, transB ? b.dim(0) : b.dim(1))
                    : IntegerOps.matmul(a, au, az, transB ? transpose(b) : b, bu, bz, null);
            int cols = res.n();
            QuantTensors.checkCount(bs.length, cols, "b_scale");
            int[] bias = c == null ? new int[cols] : QuantTensors.ints(c);
            if (bias.length != cols && bias.length != 1) {
                throw new UnsupportedOpException("QGemm bias must be 1-D with one value per column");
            }
            int yz = QuantTensors.ints(yzT)[0];
            int qmin = (int) yzT.dtype().minValue();
            int qmax = (int) yzT.dtype().maxValue();
            float[] mult = new float[cols];
            for (int j = 0; j < cols; j++) {
                mult[j] = QuantMath.multiplier(as[0], bs.length == 1 ? bs[0] : bs[j], ys[0]);
            }
            int[] acc = res.acc();
            int[] q = new int[acc.length];
            for (int i = 0; i < acc.length; i++) {
                int j = i % cols;
                q[i] = QuantMath.requantize(acc[i] + bias[bias.length == 1 ? 0 : j], mult[j], yz, qmin, qmax);
            }
            return new Tensor[] {QuantTensors.fromInts(q, yzT.dtype(), res.shape())};
        };
    }

    private static Tensor transpose(Tensor b) {
        int rows = b.dim(0);
        int cols = b.dim(1);
        Tensor t = Tensor.zeros(b.dtype(), cols, rows);
        byte[] src = b.bytes();
        byte[] dst = t.bytes();
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                dst[c * rows + r] = src[r * cols + c];
            }
        }
        return t;
    }
}
