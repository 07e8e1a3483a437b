package dev.lowbit.ptq;

import dev.lowbit.quant.QuantPlan;
import dev.lowbit.onnx.Node;
import dev.lowbit.tensor.Tensor;

/**
 * Gather from a constant float table (a transformer's token, position and type embeddings): the
 * table stored as int8 with one scale per row, read through DequantizeLinear, which shrinks the
 * file about 4×; the gathered rows stay float. A Gather of a computed tensor is data movement
 * ({@link SharedParamsQuantizer}).
 */
final class EmbeddingQuantizer implements OpQuantizer {
    private final SharedParamsQuantizer dataMovement = new SharedParamsQuantizer();

    @Override
    public String plan(Node n, PlanContext ctx) {
        Tensor table = ctx.floatConstant(n.input(0));
        if (table == null) {
            return ctx.isConstant(n.input(0)) ? n.opType() + ": gathers from a non-float table"
                    : dataMovement.plan(n, ctx);
        }
        if (table.rank() != 2 || n.getInt("axis", 0) != 0) {
            return n.opType() + ": only row gathers from 2-D tables are quantized";
        }
        ctx.plan().weights().add(new QuantPlan.Weight(n.key(), 0, n.input(0), 0));
        return null;
    }
}
