package dev.lowbit.engine;

import dev.lowbit.exec.TensorHook;
import dev.lowbit.onnx.Graph;
import dev.lowbit.onnx.Node;
import dev.lowbit.tensor.Tensor;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Time per op type of a {@link JavaEngine} run, for {@code lowbit bench --profile}: the executor
 * reports each node output right after the node ran, so the time since the previous report is the
 * node's. Fused ops show under the type they were fused into (a Conv with its Relu is "Conv").
 */
public final class OpProfile {
    /** Total milliseconds per op type over the profiled runs, and how many nodes of the type ran. */
    public record Entry(String opType, double totalMs, int nodes) {
    }

    private OpProfile() {
    }

    /** Runs {@code engine} {@code runs} times and returns the time per op type, largest first, averaged per run. */
    public static List<Entry> measure(JavaEngine engine, Map<String, Tensor> feed, int runs) {
        Graph g = engine.executor().graph();
        Map<String, Node> producer = new LinkedHashMap<>();
        for (Node n : g.nodes()) {
            for (String o : n.outputs()) {
                producer.put(o, n);
            }
        }
        Map<String, long[]> byType = new LinkedHashMap<>();
        Map<String, Integer> nodeCount = new LinkedHashMap<>();
        for (Node n : g.nodes()) {
            nodeCount.merge(typeOf(n), 1, Integer::sum);
        }
        for (int r = 0; r < runs; r++) {
            long[] last = {System.nanoTime()};
            TensorHook hook = TensorHook.observing((name, value) -> {
                long now = System.nanoTime();
                Node n = producer.get(name);
                if (n != null) {
                    byType.computeIfAbsent(typeOf(n), k -> new long[1])[0] += now - last[0];
                }
                last[0] = System.nanoTime();
            });
            engine.executor().run(feed, hook, Set.of());
        }
        List<Entry> out = new ArrayList<>();
        byType.forEach((k, v) -> out.add(new Entry(k, v[0] / 1e6 / runs, nodeCount.getOrDefault(k, 0))));
        out.sort(Comparator.comparingDouble(Entry::totalMs).reversed());
        return out;
    }

    /** {@code -Dlowbit.profile.nodes=true}: one entry per node (its label) instead of per op type. */
    private static final boolean PER_NODE = Boolean.getBoolean("lowbit.profile.nodes");

    private static String typeOf(Node n) {
        if (PER_NODE) {
            return n.label() + (n.has("group") ? " group " + n.getInt("group", 1) : "")
                    + (n.has("strides") ? " strides " + java.util.Arrays.toString(n.getIntArray("strides", null)) : "");
        }
        String t = n.domain().isEmpty() ? n.opType() : n.domain() + "." + n.opType();
        if (n.has(dev.lowbit.ops.ConvForward.FUSED_MIN)) {
            t += "+Clamp";
        }
        return t;
    }
}
