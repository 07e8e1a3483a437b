package dev.lowbit.ptq;

import dev.lowbit.quant.Recipe;
import dev.lowbit.onnx.Graph;
import dev.lowbit.onnx.Node;

/**
 * Add, Concat, AveragePool and GlobalAveragePool in the CNN recipe: every input and the output
 * quantized with their own parameters (QLinearAdd, QLinearConcat, QLinearAveragePool). The output
 * is quantized right after an Add even when a Relu follows: ONNX Runtime then runs QLinearAdd and a
 * separate quantized Relu, and lowbit's engine computes bit-identical results (fusing the Relu into
 * the Add's quantizer made 2 of 10,000 test images disagree at top-1). In the transformer recipe
 * they stay float: an Add there is a residual, a bias or the attention mask.
 */
final class OwnParamsQuantizer implements OpQuantizer {
    @Override
    public String plan(Node n, PlanContext ctx) {
        if (ctx.recipe() != Recipe.CNN) {
            return n.opType() + ": residual, bias and mask arithmetic stays float in the transformer recipe";
        }
        for (String in : n.inputs()) {
            if (!ctx.isFloatActivation(in)) {
                return n.opType() + ": pattern not quantizable here";
            }
        }
        n.inputs().forEach(ctx::quantizeOutput);
        ctx.quantizeOutput(n.output(0));
        return null;
    }

    @Override
    public boolean nonNegativeOutput(Node n, Graph g) {
        if (n.opType().equals("Add")) {
            return false;
        }
        int limit = n.opType().equals("Concat") ? Integer.MAX_VALUE : 1;
        return n.inputs().stream().filter(s -> !s.isEmpty() && g.initializer(s) == null).limit(limit)
                .allMatch(s -> OpQuantizers.nonNegative(g, s));
    }
}
