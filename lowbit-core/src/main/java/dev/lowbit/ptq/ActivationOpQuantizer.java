package dev.lowbit.ptq;

import dev.lowbit.quant.Recipe;
import dev.lowbit.onnx.Graph;
import dev.lowbit.onnx.Node;

/**
 * Relu and Clip with constant bounds: fused into the quantizer of a preceding weighted op when it
 * alone reads that op's output; otherwise (CNN recipe) input and output quantized, unless both its
 * producer and its readers run in float (a decomposed HardSwish's Clip). Their output
 * is never negative when the lower bound is at least 0.
 */
final class ActivationOpQuantizer implements OpQuantizer {
    @Override
    public String plan(Node n, PlanContext ctx) {
        if (ctx.plan().activations().contains(n.output(0))) {
            return null; // already fused with its producer
        }
        if (ctx.recipe() != Recipe.CNN) {
            return n.opType() + ": stays float in the transformer recipe";
        }
        if (!ctx.isFloatActivation(n.input(0)) || !clipIsConstant(n, ctx)) {
            return n.opType() + ": pattern not quantizable here";
        }
        Node producer = ctx.graph().producer(n.input(0));
        boolean integerBefore = producer != null && ctx.plan().quantizedNodes().contains(producer.key());
        if (!integerBefore && !OpQuantizers.readInInteger(ctx, n.output(0))) {
            return n.opType() + ": between float ops, nothing to run in integer";
        }
        ctx.quantizeOutput(n.input(0));
        ctx.quantizeOutput(n.output(0));
        return null;
    }

    static boolean clipIsConstant(Node c, PlanContext ctx) {
        return !c.opType().equals("Clip") || ctx.graph().clipBounds(c) != null;
    }

    @Override
    public boolean nonNegativeOutput(Node n, Graph g) {
        return n.opType().equals("Relu") || (g.clipBounds(n) != null && g.clipBounds(n)[0] >= 0);
    }
}
