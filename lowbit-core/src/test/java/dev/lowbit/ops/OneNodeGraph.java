package dev.lowbit.ops;

import dev.lowbit.exec.Executor;
import dev.lowbit.onnx.Attribute;
import dev.lowbit.onnx.Graph;
import dev.lowbit.onnx.Model;
import dev.lowbit.onnx.Node;
import dev.lowbit.onnx.ValueInfo;
import dev.lowbit.tensor.Parallel;
import dev.lowbit.tensor.Tensor;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs one op as a one-node graph (opset 13): input 0 is fed; the others are initializers except
 * index {@code fedIndex} of {@code others} (-1: none), which is fed too. A weight fed at run time is
 * not a constant, so the quantized ops take their int32 reference kernels: the tests of the fast
 * paths compare both runs.
 */
final class OneNodeGraph {
    private OneNodeGraph() {
    }

    /** The op's output "y" with {@code threads} threads (the previous count restored after). */
    static Tensor run(String op, List<Attribute> attrs, Tensor x, List<Tensor> others, int fedIndex, int threads) {
        int before = Parallel.threads();
        Parallel.setThreads(threads);
        try {
            return run(op, attrs, x, others, fedIndex);
        } finally {
            Parallel.setThreads(before);
        }
    }

    /** The op's output "y" with the current thread count. */
    static Tensor run(String op, List<Attribute> attrs, Tensor x, List<Tensor> others, int fedIndex) {
        return runEach(op, attrs, List.of(x), others, fedIndex).get(0);
    }

    /** The op's outputs "y" for each x in turn, all run by one executor (the node's kernels prepared once). */
    static List<Tensor> runEach(String op, List<Attribute> attrs, List<Tensor> xs, List<Tensor> others, int fedIndex) {
        Tensor x = xs.get(0);
        Graph g = new Graph("t");
        Map<String, Tensor> feeds = new HashMap<>();
        List<String> in = new ArrayList<>(List.of("x"));
        g.inputs().add(ValueInfo.of("x", x.dtype(), x.shapeRef()));
        feeds.put("x", x);
        for (int i = 0; i < others.size(); i++) {
            String name = "in" + (i + 1);
            in.add(name);
            if (i == fedIndex) {
                g.inputs().add(ValueInfo.of(name, others.get(i).dtype(), others.get(i).shapeRef()));
                feeds.put(name, others.get(i));
            } else {
                g.setInitializer(name, others.get(i));
            }
        }
        g.outputs().add(new ValueInfo("y", null, null));
        Node n = new Node(op, "n", in, new ArrayList<>(List.of("y")));
        attrs.forEach(n::set);
        g.addNode(n);
        Model m = new Model(g);
        m.opsets().put("", 13L);
        Executor executor = new Executor(m);
        List<Tensor> ys = new ArrayList<>();
        for (Tensor each : xs) {
            feeds.put("x", each);
            ys.add(executor.run(feeds).get("y"));
        }
        return ys;
    }
}
