package dev.lowbit.exec;

import dev.lowbit.onnx.Graph;
import dev.lowbit.onnx.Node;
import dev.lowbit.onnx.ValueInfo;
import dev.lowbit.tensor.Tensor;

/** What an {@link OpFactory} may know about the node it builds for. */
public final class OpContext {
    private final Node node;
    private final int opset;
    private final Graph graph;

    public OpContext(Node node, int opset, Graph graph) {
        this.node = node;
        this.opset = opset;
        this.graph = graph;
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
