package dev.lowbit.ops;

import dev.lowbit.LowbitException;
import dev.lowbit.exec.Executor;
import dev.lowbit.exec.OpContext;
import dev.lowbit.onnx.Graph;
import dev.lowbit.onnx.ValueInfo;
import dev.lowbit.tensor.Tensor;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A graph attribute (If branch, Loop or Scan body) planned once at load time, plus where each
 * enclosing-scope value it reads sits in the op's input array (the executor appends them after
 * the node's declared inputs, see {@link OpContext#scopeNames()}).
 */
final class Subgraph {
    private final Executor executor;
    private final List<String> inputNames;
    private final List<String> outputNames;
    private final String[] outerNames;
    private final int[] outerSlots;

    Subgraph(OpContext ctx, String attribute) {
        Graph g = ctx.node().getGraph(attribute);
        if (g == null) {
            throw ctx.unsupported("missing graph attribute '" + attribute + "'");
        }
        this.executor = ctx.subgraphExecutor(g);
        this.inputNames = g.runtimeInputs().stream().map(ValueInfo::name).toList();
        this.outputNames = g.outputs().stream().map(ValueInfo::name).toList();
        List<String> refs = List.copyOf(g.outerReferences());
        this.outerNames = refs.toArray(String[]::new);
        this.outerSlots = new int[outerNames.length];
        int base = ctx.node().inputs().size();
        for (int i = 0; i < outerNames.length; i++) {
            int at = ctx.scopeNames().indexOf(outerNames[i]);
            if (at < 0) {
                throw ctx.unsupported("subgraph value '" + outerNames[i] + "' is not in the enclosing scope");
            }
            outerSlots[i] = base + at;
        }
    }

    int inputCount() {
        return inputNames.size();
    }

    int outputCount() {
        return outputNames.size();
    }

    /** The declared type/shape of output {@code i}. */
    ValueInfo outputInfo(int i) {
        return executor.graph().outputs().get(i);
    }

    /** Runs the subgraph on {@code args} (its declared inputs, in order) with the outer values of {@code opInputs}. */
    Tensor[] run(Tensor[] opInputs, Tensor... args) {
        if (args.length != inputNames.size()) {
            throw new LowbitException("subgraph takes " + inputNames.size() + " inputs, got " + args.length);
        }
        Map<String, Tensor> feed = new HashMap<>();
        for (int i = 0; i < outerNames.length; i++) {
            feed.put(outerNames[i], opInputs[outerSlots[i]]);
        }
        for (int i = 0; i < args.length; i++) {
            feed.put(inputNames.get(i), args[i]);
        }
        Map<String, Tensor> out = executor.run(feed);
        Tensor[] result = new Tensor[outputNames.size()];
        for (int i = 0; i < result.length; i++) {
            result[i] = out.get(outputNames.get(i));
        }
        return result;
    }
}
