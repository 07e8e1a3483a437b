package dev.lowbit.testutil;

import dev.lowbit.exec.OpRegistry;
import dev.lowbit.onnx.Graph;
import dev.lowbit.onnx.Model;
import dev.lowbit.onnx.ModelIO;
import dev.lowbit.onnx.Node;
import dev.lowbit.onnx.ValueInfo;
import dev.lowbit.tensor.Tensor;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Test-only op registry whose every op is computed by ONNX Runtime, one node at a time (each node
 * becomes a one-node model). It lets tests exercise graph-level machinery (the executor's
 * scheduling, hooks, {@link dev.lowbit.exec.ShapeInference}) on real models independently of
 * lowbit's kernels. Slow (a session per node run): for small inputs only.
 */
public final class OrtNodeOps {
    private OrtNodeOps() {
    }

    /** A registry covering every op type (default domain) used by {@code model}'s main graph. */
    public static OpRegistry forModel(Model model) {
        OpRegistry registry = new OpRegistry();
        long opset = model.opset();
        for (Node n : model.graph().nodes()) {
            registry.register(n.opType(), ctx -> inputs -> runNode(ctx.node(), opset, inputs));
        }
        return registry;
    }

    private static Tensor[] runNode(Node node, long opset, Tensor[] inputs) {
        Graph g = new Graph("node");
        Map<String, Tensor> feeds = new LinkedHashMap<>();
        for (int i = 0; i < inputs.length; i++) {
            String name = node.input(i);
            if (inputs[i] != null && !feeds.containsKey(name)) {
                g.inputs().add(ValueInfo.of(name, inputs[i].dtype(), inputs[i].shape()));
                feeds.put(name, inputs[i]);
            }
        }
        g.addNode(node.copy());
        for (String o : node.outputs()) {
            if (!o.isEmpty()) {
                g.outputs().add(new ValueInfo(o, null, null));
            }
        }
        Model one = new Model(g);
        one.opsets().put("", opset);
        Map<String, Tensor> out = Ort.run(ModelIO.toProto(one).toByteArray(), feeds);
        Tensor[] results = new Tensor[node.outputs().size()];
        for (int i = 0; i < results.length; i++) {
            results[i] = out.get(node.output(i));
        }
        return results;
    }
}
