package dev.lowbit.ptq;

import dev.lowbit.quant.Recipe;
import dev.lowbit.quant.QuantPlan;
import dev.lowbit.onnx.Graph;
import dev.lowbit.onnx.Node;
import dev.lowbit.tensor.DType;
import dev.lowbit.tensor.Tensor;
import java.util.List;
import java.util.Set;

/** What an {@link OpQuantizer} sees while planning: the graph, the plan so far, the recipe and the exclusions. */
public final class PlanContext {
    private final Graph graph;
    private final QuantPlan plan;
    private final Recipe recipe;
    private final Set<String> excluded;

    PlanContext(Graph graph, QuantPlan plan, Recipe recipe, Set<String> excluded) {
        this.graph = graph;
        this.plan = plan;
        this.recipe = recipe;
        this.excluded = excluded;
    }

    public Graph graph() {
        return graph;
    }

    public QuantPlan plan() {
        return plan;
    }

    public Recipe recipe() {
        return recipe;
    }

    /** True when the user asked for node {@code n} to stay float. */
    public boolean isExcluded(Node n) {
        return excluded.contains(n.key());
    }

    public boolean isConstant(String value) {
        return graph.initializer(value) != null;
    }

    /** A float tensor computed at run time (not an initializer, not absent). */
    public boolean isFloatActivation(String value) {
        return !value.isEmpty() && !isConstant(value);
    }

    /** A float initializer, or null. */
    public Tensor floatConstant(String value) {
        Tensor t = graph.initializer(value);
        return t != null && t.dtype() == DType.FLOAT ? t : null;
    }

    /** Quantizes {@code value} for node {@code reader} only (its other readers keep the float value) or for all readers. */
    public void quantizeInput(String value, Node reader) {
        plan.activations().add(value);
        if (recipe.quantizesForReadersOnly()) {
            plan.readers().computeIfAbsent(value, k -> new java.util.LinkedHashSet<>()).add(reader.key());
        }
    }

    /** Quantizes {@code value} for every reader (a quantized op's output). */
    public void quantizeOutput(String value) {
        plan.activations().add(value);
    }

    public List<Node> consumers(String value) {
        return graph.consumers(value);
    }
}
