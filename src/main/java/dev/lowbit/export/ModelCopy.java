package dev.lowbit.export;

import dev.lowbit.onnx.Graph;
import dev.lowbit.onnx.Model;
import dev.lowbit.onnx.Node;

/** Copies a model so a pass can edit the copy; initializer tensors are shared (never mutated in place). */
public final class ModelCopy {
    private ModelCopy() {
    }

    public static Model deepCopy(Model src) {
        Graph s = src.graph();
        Graph g = new Graph(s.name());
        for (Node n : s.nodes()) {
            g.addNode(n.copy());
        }
        g.initializers().putAll(s.initializers());
        g.inputs().addAll(s.inputs());
        g.outputs().addAll(s.outputs());
        g.valueInfos().putAll(s.valueInfos());
        Model m = new Model(g);
        m.setIrVersion(src.irVersion());
        m.opsets().putAll(src.opsets());
        m.setProducer(src.producerName(), src.producerVersion());
        m.metadata().putAll(src.metadata());
        return m;
    }
}
