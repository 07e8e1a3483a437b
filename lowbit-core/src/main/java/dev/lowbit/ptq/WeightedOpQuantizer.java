package dev.lowbit.ptq;

import dev.lowbit.quant.Recipe;
import dev.lowbit.quant.QuantPlan;
import dev.lowbit.onnx.Node;
import dev.lowbit.tensor.Tensor;
import java.util.List;

/**
 * Conv, Gemm and MatMul: the activation input quantized per tensor, a constant weight per output
 * channel, a bias as int32 at input scale × weight scale. In the CNN recipe the output is quantized
 * too (after a Relu/Clip that alone reads it, which runtimes fuse); in the transformer recipe it
 * stays float. A MatMul of two activations (attention's Q·Kᵀ and P·V) quantizes both operands.
 */
final class WeightedOpQuantizer implements OpQuantizer {
    @Override
    public String plan(Node n, PlanContext ctx) {
        boolean ok = switch (n.opType()) {
            case "Conv" -> weighted(n, ctx, 0);
            case "Gemm" -> n.getInt("transA", 0) == 0 && weighted(n, ctx, n.getInt("transB", 0) == 1 ? 0 : 1);
            default -> matMul(n, ctx);
        };
        return ok ? null : n.opType() + ": pattern not quantizable here";
    }

    private boolean weighted(Node n, PlanContext ctx, int weightAxis) {
        if (!ctx.isFloatActivation(n.input(0)) || !ctx.isConstant(n.input(1))) {
            return false;
        }
        Tensor w = ctx.floatConstant(n.input(1));
        if (w == null || (n.opType().equals("Gemm") && w.rank() != 2)) {
            return false;
        }
        Tensor b = n.hasInput(2) ? ctx.graph().initializer(n.input(2)) : null;
        if (n.hasInput(2) && b == null) {
            return false; // a computed bias cannot share the input×weight scale
        }
        QuantPlan plan = ctx.plan();
        ctx.quantizeInput(n.input(0), n);
        plan.weights().add(new QuantPlan.Weight(n.key(), 1, n.input(1), weightAxis));
        if (b != null && b.size() == w.dim(weightAxis) && (!n.opType().equals("Gemm") || b.rank() == 1)) {
            plan.biases().add(new QuantPlan.Bias(n.key(), 2, n.input(2), n.input(0), n.input(1)));
        } // else a broadcast bias stays float
        quantizeOutput(n, ctx);
        return true;
    }

    private boolean matMul(Node n, PlanContext ctx) {
        if (!ctx.isFloatActivation(n.input(0))) {
            return false;
        }
        if (ctx.isConstant(n.input(1))) {
            Tensor w = ctx.floatConstant(n.input(1));
            if (w == null || w.rank() != 2) {
                return false;
            }
            ctx.quantizeInput(n.input(0), n);
            ctx.plan().weights().add(new QuantPlan.Weight(n.key(), 1, n.input(1), 1));
        } else {
            ctx.quantizeInput(n.input(0), n);
            ctx.quantizeInput(n.input(1), n);
        }
        quantizeOutput(n, ctx);
        return true;
    }

    /**
     * The CNN recipe quantizes the output, or the output of the Relu/Clip that alone consumes it,
     * unless only float ops read it (PP-LCNet's Conv → Mul → Add → HardSwish: a quantizer there
     * runs nothing in integer and costs the most accuracy, outputs varying widely by channel).
     */
    private static void quantizeOutput(Node n, PlanContext ctx) {
        if (ctx.recipe() != Recipe.CNN) {
            return;
        }
        String out = n.output(0);
        if (!ctx.graph().isGraphOutput(out) && !OpQuantizers.readInInteger(ctx, out)) {
            return;
        }
        List<Node> consumers = ctx.consumers(out);
        if (consumers.size() == 1 && !ctx.graph().isGraphOutput(out)) {
            Node c = consumers.get(0);
            if ((c.opType().equals("Relu") || c.opType().equals("Clip")) && !ctx.isExcluded(c)
                    && ActivationOpQuantizer.clipIsConstant(c, ctx)) {
                ctx.quantizeOutput(c.output(0));
                return;
            }
        }
        ctx.quantizeOutput(out);
    }
}
