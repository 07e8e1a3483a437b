package dev.lowbit.exec;

import dev.lowbit.UnsupportedOpException;
import dev.lowbit.onnx.Graph;
import dev.lowbit.onnx.Node;
import dev.lowbit.onnx.ValueInfo;
import dev.lowbit.tensor.Tensor;
import java.util.List;
import java.util.Map;

/** What an {@link OpFactory} may know about the node it builds for. */
public final class OpContext {
    private final Node node;
    private final int opset;
    private final Graph graph;

    private final Map<String, Long> opsets;
    private final OpRegistry registry;
    private final List<String> scopeNames;

    public OpContext(Node node, int opset, Graph graph) {
        this(node, opset, graph, Map.of("", (long) opset), OpRegistry.standard(), List.of());
    }

    /**
     * Full context for the executor: {@code opsets} and {@code registry} let control-flow ops plan
     * their subgraphs; {@code scopeNames} are the enclosing-scope values those subgraphs read.
     */
    public OpContext(Node node, int opset, Graph graph, Map<String, Long> opsets, OpRegistry registry,
            List<String> scopeNames) {
        this.node = node;
        this.opset = opset;
        this.graph = graph;
        this.opsets = opsets;
        this.registry = registry;
        this.scopeNames = List.copyOf(scopeNames);
    }

    /**
     * The enclosing-scope values this node's graph attributes read. The executor appends them, in
     * this order, to the op's input array after the node's declared inputs.
     */
    public List<String> scopeNames() {
        return scopeNames;
    }

    /**
     * Plans {@code subgraph} (a graph attribute of this node) once, at load time. Run it with its
     * declared inputs plus the outer values it reads ({@link Graph#outerReferences()}), which the op
     * finds in its input array at {@code node().inputs().size() + scopeNames().indexOf(name)}.
     */
    public Executor subgraphExecutor(Graph subgraph) {
        return new Executor(subgraph, opsets, registry, List.copyOf(subgraph.outerReferences()));
    }

    public Node node() {
        return node;
    }

    /** The opset version of the node's domain that the model imports. */
    public int opset() {
        return opset;
    }

    /** The constant (initializer) fed to input {@code i}, or null if it is computed at run time. */
    public Tensor constantInput(int i) {
        if (!node.hasInput(i) || graph == null) {
            return null;
        }
        return graph.initializer(node.input(i));
    }

    /** The declared type/shape of input {@code i}, if the graph annotates it (may be null). */
    public ValueInfo inputInfo(int i) {
        if (!node.hasInput(i) || graph == null) {
            return null;
        }
        String name = node.input(i);
        for (ValueInfo v : graph.inputs()) {
            if (v.name().equals(name)) {
                return v;
            }
        }
        return graph.valueInfos().get(name);
    }

    /** Shorthand for an unsupported-feature failure naming this node. */
    public UnsupportedOpException unsupported(String what) {
        return new UnsupportedOpException(node.label() + " (opset " + opset + "): " + what);
    }
}
