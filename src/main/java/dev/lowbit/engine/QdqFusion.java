package dev.lowbit.engine;

import dev.lowbit.export.QOperatorWriter;
import dev.lowbit.onnx.Model;

/**
 * Runs QDQ models the way integer runtimes do: every {@code DQ -> Conv|MatMul [-> Relu|Clip] -> Q}
 * pattern executes as one QLinearConv / QLinearMatMul (int8/uint8 operands, int32 accumulation,
 * one requantization), exactly like ONNX Runtime after its QDQ fusion, instead of in float on
 * dequantized values. This is what makes lowbit's accuracy figures for a quantized model the
 * figures the deployed model has, rather than a float approximation of them.
 */
public final class QdqFusion {
    private QdqFusion() {
    }

    /** The model to execute: a fused copy when it has QDQ patterns, else the model itself. */
    public static Model forExecution(Model m) {
        boolean qdq = m.graph().nodes().stream().anyMatch(n -> n.opType().equals("DequantizeLinear"));
        if (!qdq) {
            return m;
        }
        Model copy = m.copy();
        return QOperatorWriter.convert(copy) > 0 ? copy : m;
    }
}
