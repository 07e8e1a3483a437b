package dev.lowbit.engine;

import dev.lowbit.export.QOperatorWriter;
import dev.lowbit.onnx.Model;
import dev.lowbit.passes.BatchNormFolding;
import dev.lowbit.passes.ConstantFolding;
import dev.lowbit.passes.GraphCleanup;

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

    /**
     * The model to execute, optimised as runtimes do before running (ONNX Runtime's default graph
     * optimisations): no-op nodes removed, constant subgraphs folded, BatchNormalization folded into
     * the preceding Conv/Gemm, QDQ patterns fused into integer ops, and Relu/Clip fused into the
     * float Conv before them. The caller's model is not
     * changed; graph inputs and outputs keep their names.
     */
    public static Model forExecution(Model m) {
        Model copy = m.copy();
        try {
            GraphCleanup.removeNoOps(copy.graph());
            ConstantFolding.apply(copy);
            BatchNormFolding.apply(copy.graph());
        } catch (RuntimeException e) {
            return m; // an optimisation that cannot apply must never stop a model from running
        }
        if (copy.graph().nodes().stream().anyMatch(n -> n.opType().equals("DequantizeLinear"))) {
            QOperatorWriter.convert(copy);
        }
        ResidualFusion.apply(copy.graph());
        ActivationFusion.apply(copy.graph());
        return copy;
    }
}
