package dev.lowbit.exec;

import dev.lowbit.UnsupportedOpException;
import dev.lowbit.LowbitException;
import dev.lowbit.onnx.Graph;
import dev.lowbit.onnx.Model;
import dev.lowbit.onnx.Node;
import dev.lowbit.onnx.ValueInfo;

import dev.lowbit.tensor.BufferPool;
import dev.lowbit.tensor.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Runs a graph with lowbit's own kernels. Construction resolves every node to an {@link Op}
 * (failing fast on unsupported ops) and plans value lifetimes; {@link #run} executes in
 * topological order and releases each intermediate right after its last consumer.
 *
 * <p>An executor is safe to use from one thread at a time; kernels parallelise internally.
 */
public final class Executor {
    private final Graph graph;
    private final List<Step> steps = new ArrayList<>();
    private final Map<String, Integer> slotOf = new HashMap<>();
    private final List<String> slotNames = new ArrayList<>();
    private final int[] lastUse;
    private final List<ValueInfo> runtimeInputs;
    private final Set<String> outputNames;
    /** Names an enclosing graph supplies at run time (empty for a top-level graph). */
    private final List<String> outerNames;
    private final boolean nested;
    /** Intermediate buffers recycled across runs (top-level graphs only; see BufferPool). */
    private final BufferPool pool = new BufferPool();

    private record Step(Node node, Op op, int[] in, int[] out) {
    }

    public Executor(Model model) {
        this(model.graph(), model.opsets(), OpRegistry.standard());
    }

    /** Plans {@code graph}; {@code opsets} maps domain to imported version. */
    public Executor(Graph graph, Map<String, Long> opsets, OpRegistry registry) {
        this(graph, opsets, registry, List.of(), false);
    }

    /**
     * Plans a subgraph (an If branch, a Loop or Scan body) whose nodes also read {@code outerNames}
     * from the enclosing scope; {@link #run} then expects those values in its input map too.
     * Declared subgraph input shapes are not checked (loop-carried values may change shape).
     */
    public Executor(Graph graph, Map<String, Long> opsets, OpRegistry registry, List<String> outerNames) {
        this(graph, opsets, registry, outerNames, true);
    }

    private Executor(Graph graph, Map<String, Long> opsets, OpRegistry registry, List<String> outerNames,
            boolean nested) {
        this.graph = graph;
        this.nested = nested;
        this.outerNames = List.copyOf(outerNames);
        this.runtimeInputs = graph.runtimeInputs();
        for (ValueInfo v : graph.inputs()) {
            slot(v.name());
        }
        for (String init : graph.initializers().keySet()) {
            slot(init);
        }
        for (String outer : this.outerNames) {
            slot(outer);
        }
        for (Node n : graph.topologicalOrder()) {
            int opset = opsets.getOrDefault(n.domain(), opsets.getOrDefault("", 1L)).intValue();
            // Nodes with graph attributes get the outer values their subgraphs read appended to
            // their inputs, in OpContext.scopeNames() order, so lifetimes are planned as usual.
            List<String> scopeNames = subgraphReferences(n);
            Op op = registry.create(new OpContext(n, opset, graph, opsets, registry, scopeNames));
            List<String> reads = new ArrayList<>(n.inputs());
            reads.addAll(scopeNames);
            int[] in = new int[reads.size()];
            for (int i = 0; i < in.length; i++) {
                String name = reads.get(i);
                if (name.isEmpty()) {
                    in[i] = -1;
                } else if (!slotOf.containsKey(name)) {
                    throw new LowbitException(n.label() + " reads '" + name + "', which no node, input or initializer defines");
                } else {
                    in[i] = slotOf.get(name);
                }
            }
            int[] out = new int[n.outputs().size()];
            for (int i = 0; i < out.length; i++) {
                out[i] = n.output(i).isEmpty() ? -1 : slot(n.output(i));
            }
            steps.add(new Step(n, op, in, out));
        }
        this.outputNames = new java.util.LinkedHashSet<>();
        for (ValueInfo o : graph.outputs()) {
            if (!slotOf.containsKey(o.name())) {
                throw new LowbitException("graph output '" + o.name() + "' is never computed");
            }
            outputNames.add(o.name());
        }
        lastUse = new int[slotNames.size()];
        Arrays.fill(lastUse, -1);
        for (int s = 0; s < steps.size(); s++) {
            for (int i : steps.get(s).in) {
                if (i >= 0) {
                    lastUse[i] = s;
                }
            }
        }
    }

    /** The enclosing-scope values the graph attributes of {@code n} read, in a fixed order. */
    static List<String> subgraphReferences(Node n) {
        java.util.LinkedHashSet<String> refs = new java.util.LinkedHashSet<>();
        for (dev.lowbit.onnx.Attribute a : n.attributes().values()) {
            if (a.type() == dev.lowbit.onnx.Attribute.Type.GRAPH) {
                refs.addAll(((Graph) a.value()).outerReferences());
            }
        }
        return List.copyOf(refs);
    }

    private int slot(String name) {
        return slotOf.computeIfAbsent(name, k -> {
            slotNames.add(k);
            return slotNames.size() - 1;
        });
    }

    public Graph graph() {
        return graph;
    }

    /** The inputs a caller must feed (graph inputs that are not initializers). */
    public List<ValueInfo> inputs() {
        return runtimeInputs;
    }

    public Map<String, Tensor> run(Map<String, Tensor> inputs) {
        return run(inputs, null, Set.of());
    }

    /**
     * Runs the graph. {@code hook} (may be null) sees every value; values named in {@code keep}
     * are returned alongside the graph outputs instead of being released.
     */
    public Map<String, Tensor> run(Map<String, Tensor> inputs, TensorHook hook, Set<String> keep) {
        // Subgraphs allocate outside any pool: their values live in the outer run's bookkeeping only
        // as the outputs they return. Hooks that may keep values switch recycling off.
        if (nested) {
            return BufferPool.suspended(() -> execute(inputs, hook, keep, null));
        }
        if (hook != null && hook.retainsValues()) {
            return execute(inputs, hook, keep, null);
        }
        try (BufferPool.Scope scope = pool.open()) {
            return execute(inputs, hook, keep, new IdentityHashMap<>());
        }
    }

    /** The buffer pool of this executor's runs (for tests and diagnostics). */
    public BufferPool bufferPool() {
        return pool;
    }

    /**
     * Runs the steps. {@code holders} (null = no recycling) counts, per backing array, the live
     * slots whose tensor uses it: views (Reshape, Flatten...) share their input's array, so an
     * array goes back to the pool only when the last slot holding it is released.
     */
    private Map<String, Tensor> execute(Map<String, Tensor> inputs, TensorHook hook, Set<String> keep,
            IdentityHashMap<Object, int[]> holders) {
        Tensor[] values = new Tensor[slotNames.size()];
        for (ValueInfo v : runtimeInputs) {
            Tensor t = inputs.get(v.name());
            if (t == null) {
                throw new LowbitException("missing input '" + v.name() + "' (" + v.describe() + ")");
            }
            if (!nested) {
                check(v, t);
            }
            values[slotOf.get(v.name())] = hook == null ? t : hook.onValue(v.name(), t);
        }
        for (String outer : outerNames) {
            Tensor t = inputs.get(outer);
            if (t == null) {
                throw new LowbitException("missing outer-scope value '" + outer + "'");
            }
            values[slotOf.get(outer)] = t;
        }
        for (Map.Entry<String, Tensor> e : graph.initializers().entrySet()) {
            Tensor t = inputs.getOrDefault(e.getKey(), e.getValue());
            if (hook != null && hook.wantsInitializers()) {
                t = hook.onValue(e.getKey(), t);
            }
            values[slotOf.get(e.getKey())] = t;
        }
        Map<String, Tensor> kept = new LinkedHashMap<>();
        for (String k : keep) {
            Integer s = slotOf.get(k);
            if (s != null && values[s] != null) {
                kept.put(k, values[s]);
            }
        }
        for (int s = 0; s < steps.size(); s++) {
            Step step = steps.get(s);
            Tensor[] results = runStep(step, values);
            for (int o = 0; o < step.out.length; o++) {
                if (step.out[o] < 0 || o >= results.length || results[o] == null) {
                    continue;
                }
                String name = slotNames.get(step.out[o]);
                Tensor t = hook == null ? results[o] : hook.onValue(name, results[o]);
                values[step.out[o]] = t;
                if (holders != null) {
                    holders.computeIfAbsent(t.data(), k -> new int[1])[0]++;
                }
                if (keep.contains(name)) {
                    kept.put(name, t);
                }
            }
            for (int i : step.in) {
                if (i >= 0 && lastUse[i] == s && values[i] != null && !outputNames.contains(slotNames.get(i))) {
                    release(values[i], holders, kept);
                    values[i] = null; // the last consumer has run
                }
            }
        }
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (String o : outputNames) {
            out.put(o, values[slotOf.get(o)]);
        }
        for (Map.Entry<String, Tensor> e : kept.entrySet()) {
            out.putIfAbsent(e.getKey(), e.getValue());
        }
        return out;
    }

    private Tensor[] runStep(Step step, Tensor[] values) {
        Tensor[] args = new Tensor[step.in.length];
        for (int i = 0; i < args.length; i++) {
            args[i] = step.in[i] < 0 ? null : values[step.in[i]];
        }
        try {
            return step.op.run(args);
        } catch (UnsupportedOpException e) {
            throw new UnsupportedOpException(step.node.label() + ": " + e.getMessage());
        } catch (LowbitException e) {
            throw new LowbitException(step.node.label() + ": " + e.getMessage(), e);
        } catch (IllegalArgumentException e) {
            // Kernels check their arguments (shapes that do not broadcast, inner dimensions that
            // differ): the model or its inputs are inconsistent, which is the user's to fix.
            throw new LowbitException(step.node.label() + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            // Anything else (an index out of bounds, a null) is a bug in lowbit: not a user error.
            throw new KernelFailure(step.node.label() + ": " + e, e);
        }
    }

    /** One slot holding {@code t} is released: recycle its array when no other live slot or kept value uses it. */
    private void release(Tensor t, IdentityHashMap<Object, int[]> holders, Map<String, Tensor> kept) {
        if (holders == null) {
            return;
        }
        int[] count = holders.get(t.data());
        if (count == null || --count[0] > 0) {
            return; // an input, initializer or constant (never counted), or still held by a view
        }
        holders.remove(t.data());
        for (Tensor k : kept.values()) {
            if (k.data() == t.data()) {
                return;
            }
        }
        pool.recycle(t.data());
    }

    /** A kernel failed in a way that is a bug in lowbit, not a problem of the model or its inputs. */
    public static final class KernelFailure extends IllegalStateException {
        KernelFailure(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private static void check(ValueInfo v, Tensor t) {
        if (v.type() != null && v.type() != t.dtype()) {
            throw new LowbitException("input '" + v.name() + "' expects " + v.describe() + ", got "
                    + t.dtype().onnxName() + Arrays.toString(t.shapeRef()));
        }
        int[] dims = v.dims();
        if (dims == null) {
            return;
        }
        boolean ok = dims.length == t.rank();
        for (int i = 0; ok && i < dims.length; i++) {
            ok = dims[i] < 0 || dims[i] == t.dim(i);
        }
        if (!ok) {
            throw new LowbitException("input '" + v.name() + "' expects " + v.describe() + ", got "
                    + t.dtype().onnxName() + Arrays.toString(t.shapeRef()));
        }
    }

    /** Convenience for single-input models. */
    public Tensor runSingle(Tensor input) {
        if (runtimeInputs.size() != 1) {
            throw new LowbitException("model has " + runtimeInputs.size() + " inputs, expected 1");
        }
        Map<String, Tensor> out = run(Map.of(runtimeInputs.get(0).name(), input));
        return out.values().iterator().next();
    }

}
