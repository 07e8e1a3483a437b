package dev.lowbit.ptq;

import dev.lowbit.quant.Recipe;
import dev.lowbit.quant.QuantPlan;
import dev.lowbit.onnx.Graph;
import dev.lowbit.onnx.Node;
import java.util.Set;

/**
 * Decides where quantizers go: walks the graph in execution order and asks each node's
 * {@link OpQuantizer} (from {@link OpQuantizers}) under the chosen {@link Recipe}. Nodes the user
 * excluded, and nodes whose quantizer declines, stay float with the reason recorded in the plan.
 */
public final class QuantPlanner {
    private QuantPlanner() {
    }

    /** Plans {@code graph} (BN already folded) with the recipe its structure calls for ({@link Recipe#detect}). */
    public static QuantPlan plan(Graph graph, Set<String> excludedNodes) {
        return plan(graph, excludedNodes, Recipe.detect(graph));
    }

    /** Plans {@code graph} with {@code recipe}; nodes named in {@code excludedNodes} stay float. */
    public static QuantPlan plan(Graph graph, Set<String> excludedNodes, Recipe recipe) {
        QuantPlan plan = new QuantPlan(recipe);
        PlanContext ctx = new PlanContext(graph, plan, recipe, excludedNodes);
        for (Node n : graph.topologicalOrder()) {
            String name = n.key();
            if (ctx.isExcluded(n)) {
                plan.floatNodes().put(name, n.opType() + ": excluded (kept float)");
                continue;
            }
            String floatReason = OpQuantizers.forOp(n.opType()).plan(n, ctx);
            if (floatReason == null) {
                plan.quantizedNodes().add(name);
            } else {
                plan.floatNodes().put(name, floatReason);
            }
        }
        return plan;
    }
}
