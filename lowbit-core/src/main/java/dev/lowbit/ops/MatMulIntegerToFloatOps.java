package dev.lowbit.ops;

import dev.lowbit.UnsupportedOpException;
import dev.lowbit.exec.Op;
import dev.lowbit.exec.OpContext;
import dev.lowbit.exec.OpRegistry;
import dev.lowbit.tensor.DType;
import dev.lowbit.tensor.Parallel;
import dev.lowbit.tensor.Tensor;
import java.util.Arrays;

/**
 * ONNX Runtime's contrib MatMulIntegerToFloat (domain com.microsoft), what its QDQ optimiser makes
 * of {@code DQ(A), DQ(B) -> MatMul} with no QuantizeLinear after: inputs (A, B, a_scale, b_scale,
 * a_zero_point, b_zero_point, bias), A 8-bit with per-tensor parameters, B 8-bit with per-tensor or
 * per-column (one per N) parameters, float bias of N values, numpy-batched like MatMul.
 *
 * <p>ORT's CPU kernel (contrib_ops/cpu/quantization/dynamic_quantize_matmul.cc,
 * {@code MatMulIntegerToFloatBase::ComputeCommon}) forms the multipliers
 * {@code a_scale * b_scale[j]} in float, runs MLAS's integer GEMM to the exact int32 sums and
 * converts them with {@code MLAS_QGEMM_SCALE_BIAS_OUTPUT_PROCESSOR} (mlas/lib/qgemm.cpp, ZeroMode):
 * {@code y = float(acc) * multiplier}, rounded, then {@code + bias[j]}, rounded — a multiply and an
 * add, not an FMA. Java never contracts the two, and the accumulators are lowbit's exact integers
 * ({@link MatMulAccumulation}), so the floats are ORT's bit for bit.
 */
final class MatMulIntegerToFloatOps implements OpRegistry.Family {
    private static final String OP = "MatMulIntegerToFloat";

    @Override
    public void register(OpRegistry r) {
        r.register("com.microsoft", OP, 1, MatMulIntegerToFloatOps::create);
    }

    private static Op create(OpContext ctx) {
        MatMulAccumulation accumulation = MatMulAccumulation.of(ctx, 1, 5);
        return inputs -> {
            Tensor a = inputs[0];
            Tensor b = inputs[1];
            Tensor bzT = optional(inputs, 5);
            Tensor bias = optional(inputs, 6);
            boolean au = QuantTensors.unsigned8(a, OP + " A");
            boolean bu = QuantTensors.unsigned8(b, OP + " B");
            float as = QuantTensors.scalarScale(inputs[2], OP + " a_scale");
            float[] bs = QuantTensors.scales(inputs[3], OP + " b_scale");
            int az = QuantTensors.scalarZeroPoint(optional(inputs, 4), a.dtype(), OP + " a_zero_point");
            int[] bz = QuantTensors.zeroPoints8(bzT, bu, OP + " b_zero_point");
            Tensor acc = accumulation.accumulate(a, au, new int[] {az}, b, bu, bz, bzT);
            int n = b.rank() == 1 ? 1 : b.dim(b.rank() - 1);
            if (bs.length != 1 && (bs.length != n || b.rank() != 2)) {
                throw new UnsupportedOpException(OP + " b_scale with " + bs.length + " values for B "
                        + Arrays.toString(b.shapeRef()) + " (per-tensor or one per column of a 2-D B only)");
            }
            float[] multiplier = new float[n];
            for (int j = 0; j < n; j++) {
                multiplier[j] = as * bs[bs.length == 1 ? 0 : j];
            }
            float[] add = bias == null ? null : QuantTensors.scales(bias, OP + " bias");
            if (add != null && add.length != n) {
                throw new UnsupportedOpException(OP + " bias with " + add.length + " values, expected " + n);
            }
            return new Tensor[] {scale(acc, n, multiplier, add)};
        };
    }

    private static Tensor optional(Tensor[] inputs, int i) {
        return inputs.length > i ? inputs[i] : null;
    }

    /**
     * {@code float(acc) * multiplier[j]} then {@code + bias[j]} for column j of every row of
     * {@code n}; FLOAT accumulators (exact integers) are scaled in place.
     */
    static Tensor scale(Tensor acc, int n, float[] multiplier, float[] bias) {
        Tensor y = acc.dtype() == DType.FLOAT ? acc : Tensor.zeros(DType.FLOAT, acc.shape());
        float[] out = y.floats();
        float[] fromFloat = acc == y ? out : null;
        int[] fromInt = acc == y ? null : acc.ints();
        int rows = n == 0 ? 0 : out.length / n;
        Parallel.forRange(rows, Math.max(1, 16384 / Math.max(1, n)), (start, end) -> {
            for (int r = start; r < end; r++) {
                int o = r * n;
                for (int j = 0; j < n; j++) {
                    float v = (fromFloat != null ? fromFloat[o + j] : (float) fromInt[o + j]) * multiplier[j];
                    out[o + j] = bias == null ? v : v + bias[j];
                }
            }
        });
        return y;
    }
}
