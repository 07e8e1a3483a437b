package dev.lowbit.ops;

import dev.lowbit.exec.OpRegistry;

/**
 * The quantized-graph ops, bit-exact with ONNX Runtime: QuantizeLinear, DequantizeLinear,
 * DynamicQuantizeLinear ({@link QuantizeOps}), QLinearConv, QLinearMatMul ({@link QLinearOps}),
 * MatMulInteger and ConvInteger ({@link IntegerOps}).
 */
public final class QuantOps implements OpRegistry.Family {
    @Override
    public void register(OpRegistry r) {
        QuantizeOps.register(r);
        QLinearOps.register(r);
        IntegerOps.register(r);
    }
}
