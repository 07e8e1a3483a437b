package dev.lowbit.engine;

import dev.lowbit.export.QOperatorWriter;
import dev.lowbit.onnx.Model;
import dev.lowbit.passes.BatchNormFolding;
import dev.lowbit.passes.ConstantFolding;
import dev.lowbit.passes.GraphCleanup;
import java.util.Set;

/**
 * Runs QDQ models the way ONNX Runtime's CPU execution provider on x86-64 runs them: the QDQ node
 * units its optimiser turns into integer ops (QLinearConv, QLinearMatMul, QGemm, QLinearAdd,
 * QLinearGlobalAveragePool, QLinearAveragePool, QLinearConcat..., data movement on the integers)
 * execute as those ops with ORT's arithmetic, and the rest stays float exactly where ORT keeps it
 * float ({@link OrtQdqRewrites}: an int8 activation read by two DequantizeLinear nodes keeps its
 * Conv in float on x86). This is what makes lowbit's results for a quantized model the deployed
 * model's, output byte for output byte, rather than a float approximation of them.
 */
public final class QdqFusion {
    private QdqFusion() {
    }

    /**
     * The model to execute, optimised as runtimes do before running (ONNX Runtime's default graph
     * optimisations): no-op nodes removed, constant subgraphs folded, BatchNormalization folded into
     * the preceding Conv/Gemm, QDQ patterns fused into integer ops, decomposed LayerNorm and GELU
     * fused into single ops, scales, bias rows and transposes around float MatMuls folded into them, Relu/Clip fused into the float Conv before them, and stacks of 1x1 and depthwise Convs run on channel-blocked activations ({@link BlockedLayout}). The caller's model is not
     * changed; graph inputs and outputs keep their names.
     */
    public static Model forExecution(Model m) {
        Model copy = m.copy();
        try {
            GraphCleanup.removeNoOps(copy.graph());
            // ORT's constant folding skips DequantizeLinear in QDQ models (constant_folding.cc,
            // skip_dequantize_linear): folded weights would leave the integer ops nothing to read.
            ConstantFolding.apply(copy, Set.of("DequantizeLinear"));
            BatchNormFolding.apply(copy.graph());
        } catch (RuntimeException e) {
            return m; // an optimisation that cannot apply must never stop a model from running
        }
        if (copy.graph().nodes().stream().anyMatch(n -> n.opType().equals("DequantizeLinear"))) {
            QOperatorWriter.ensureUniqueDequantize(copy.graph());
            if (ClipQuantizeRewrite.GENERIC.equals(copy.metadata().get(ClipQuantizeRewrite.BACKEND_KEY))) {
                ClipQuantizeRewrite.apply(copy.graph());
            }
            OrtQdqRewrites.dropActivationsBeforeQuantize(copy.graph());
            OrtQdqRewrites.unsignedActivations(copy.graph());
            QOperatorWriter.convert(copy, false);
            OrtQdqRewrites.dropMatchingDequantizeQuantize(copy.graph());
            RequantizeFusion.apply(copy.graph());
            ClipQuantizeRewrite.foldIntoProducers(copy.graph());
            RequantizeFusion.foldIntoAdds(copy.graph());
            // Weights no integer op took stay DequantizeLinear nodes in ORT, recomputed on every run;
            // folding them gives the same floats once.
            ConstantFolding.apply(copy);
        }
        NormActivationFusion.apply(copy.graph());
        MatMulFusion.apply(copy.graph());
        ResidualFusion.apply(copy.graph());
        ActivationFusion.apply(copy.graph());
        BlockedLayout.apply(copy.graph());
        return copy;
    }
}
