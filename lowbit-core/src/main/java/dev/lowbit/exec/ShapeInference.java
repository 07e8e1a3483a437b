package dev.lowbit.exec;

import dev.lowbit.UnsupportedOpException;
import dev.lowbit.LowbitException;
import dev.lowbit.onnx.Graph;
import dev.lowbit.onnx.Model;
import dev.lowbit.onnx.Node;
import dev.lowbit.onnx.ValueInfo;
import dev.lowbit.tensor.DType;
import dev.lowbit.tensor.Tensor;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Type and shape inference for every value of a graph, by running it.
 *
 * <p>Instead of a shape function per op (which would duplicate every kernel's shape logic and drift
 * from it), the graph is evaluated with lowbit's own {@link Executor} on probe inputs, and a
 * {@link dev.lowbit.exec.TensorHook} records the dtype and shape of every value it produces. So
 * inference is exactly as general as the engine: any graph lowbit can run, it can annotate.
 *
 * <h2>How symbolic dimensions are recovered</h2>
 * Each runtime input is fed zeros of its declared dtype. Each distinct symbolic input dimension
 * (same {@code dim_param} = same dimension; an unnamed one is its own dimension) gets a probe size,
 * and the graph runs twice with different probe sizes: in run A symbolic dimension {@code i} is
 * {@code 2 + 2i}, in run B it is {@code 2 * A + 1} (so every dimension differs between runs, no two
 * dimensions share a size, and {@code N / 2} still changes). Then, per value and axis:
 * <ul>
 *   <li>same size in both runs: reported fixed;</li>
 *   <li>sizes equal the probes of input dimension {@code i} in both runs: reported symbolic with that
 *       dimension's name (the batch axis of a classifier's logits comes back as {@code N});</li>
 *   <li>otherwise (derived sizes such as {@code 2N} or {@code N*16}): reported symbolic without a name
 *       (unknown).</li>
 * </ul>
 * Sizes passed in {@code dimSizes} (by {@code dim_param} name) are used as concrete sizes instead of
 * probes, and everything that depends on them is reported fixed. If the model rejects the small
 * probe sizes (say, a spatial dimension smaller than a kernel) the runs are retried with sizes from
 * 16 up; if that fails too, pass concrete sizes.
 *
 * <h2>Limits</h2>
 * <ul>
 *   <li>Data-dependent shapes (NonZero, TopK with a computed k, Reshape or Expand fed computed values,
 *       Range...) follow the probe values: with all-zero inputs they are reported for zeros, as fixed
 *       sizes when both runs agree.</li>
 *   <li>A dimension that stays the same under both probes (e.g. {@code min(N, 1)}) is reported fixed.</li>
 *   <li>Values inside control-flow subgraphs (If, Loop, Scan bodies) are not annotated.</li>
 *   <li>Every op must be supported by the registry: an unsupported op is reported as such
 *       ({@link UnsupportedOpException}), never guessed.</li>
 *   <li>The cost is two full inferences on small inputs.</li>
 * </ul>
 */
public final class ShapeInference {
    /** First probe size of symbolic dimension 0, for the normal attempt and the retry. */
    private static final int[] PROBE_BASES = {2, 16};

    private record Observed(DType type, int[] shape) {
    }

    private ShapeInference() {
    }

    /** Infers with lowbit's standard ops; see the class comment. */
    public static Map<String, ValueInfo> infer(Model model) {
        return infer(model, OpRegistry.standard(), Map.of());
    }

    /** Infers using the ops of {@code registry}. */
    public static Map<String, ValueInfo> infer(Model model, OpRegistry registry) {
        return infer(model, registry, Map.of());
    }

    /**
     * Infers the dtype and shape of every value a node produces (graph outputs included, graph
     * inputs and initializers excluded), in execution order. {@code dimSizes} gives concrete sizes
     * for symbolic input dimensions by name; the others are probed.
     */
    public static Map<String, ValueInfo> infer(Model model, OpRegistry registry, Map<String, Integer> dimSizes) {
        Graph graph = model.graph();
        Executor executor = new Executor(graph, model.opsets(), registry);
        List<String> symbols = symbolicDims(executor.inputs(), dimSizes);
        LowbitException failure = null;
        for (int base : PROBE_BASES) {
            int[] sizesA = new int[symbols.size()];
            int[] sizesB = new int[symbols.size()];
            for (int i = 0; i < sizesA.length; i++) {
                sizesA[i] = base + 2 * i;
                sizesB[i] = 2 * sizesA[i] + 1;
            }
            try {
                Map<String, Observed> runA = probe(executor, symbols, sizesA, dimSizes);
                if (symbols.isEmpty()) {
                    return merge(runA, runA, symbols, sizesA, sizesB);
                }
                Map<String, Observed> runB = probe(executor, symbols, sizesB, dimSizes);
                return merge(runA, runB, symbols, sizesA, sizesB);
            } catch (UnsupportedOpException e) {
                throw e;
            } catch (LowbitException e) {
                failure = e;
            }
        }
        throw new LowbitException("shape inference failed with symbolic dims " + symbols
                + " set to probe sizes (pass concrete sizes for them): " + failure.getMessage(), failure);
    }

    /** Infers with lowbit's standard ops and writes the results into {@code model}'s graph. */
    public static Model annotate(Model model) {
        return annotate(model, OpRegistry.standard(), Map.of());
    }

    /**
     * Writes inferred infos into the graph: intermediates go to {@link Graph#valueInfos()}; a graph
     * output keeps its declaration unless that lacks a type or a shape. Returns {@code model}.
     */
    public static Model annotate(Model model, OpRegistry registry, Map<String, Integer> dimSizes) {
        Graph graph = model.graph();
        Map<String, ValueInfo> inferred = infer(model, registry, dimSizes);
        List<ValueInfo> outputs = graph.outputs();
        for (ValueInfo v : inferred.values()) {
            int out = indexOf(outputs, v.name());
            if (out < 0) {
                graph.valueInfos().put(v.name(), v);
            } else if (outputs.get(out).type() == null || outputs.get(out).shape() == null) {
                outputs.set(out, v);
            }
        }
        return model;
    }

    private static int indexOf(List<ValueInfo> infos, String name) {
        for (int i = 0; i < infos.size(); i++) {
            if (infos.get(i).name().equals(name)) {
                return i;
            }
        }
        return -1;
    }

    /**
     * Prefix of the key of an unnamed symbolic input dim ({@code ANONYMOUS + input + "#" + axis}); a NUL
     * cannot clash with a real dim_param.
     */
    private static final String ANONYMOUS = "\0";

    /** Keys of the distinct symbolic input dims still to probe: the dim_param, or an anonymous key. */
    private static List<String> symbolicDims(List<ValueInfo> inputs, Map<String, Integer> dimSizes) {
        Set<String> keys = new java.util.LinkedHashSet<>();
        for (ValueInfo v : inputs) {
            if (v.type() == null || v.shape() == null) {
                throw new LowbitException("shape inference needs the type and rank of input '" + v.name()
                        + "', which declares " + v.describe());
            }
            for (int axis = 0; axis < v.shape().size(); axis++) {
                String key = symbolKey(v, axis);
                if (key != null && !dimSizes.containsKey(key)) {
                    keys.add(key);
                }
            }
        }
        return new ArrayList<>(keys);
    }

    /** The symbol naming a non-fixed input dim, or null for a fixed one. */
    private static String symbolKey(ValueInfo v, int axis) {
        ValueInfo.Dim d = v.shape().get(axis);
        if (d.isFixed()) {
            return null;
        }
        return d.param() == null || d.param().isEmpty() ? ANONYMOUS + v.name() + "#" + axis : d.param();
    }

    /** Runs once with the given probe sizes; records every produced value's dtype and shape. */
    private static Map<String, Observed> probe(Executor executor, List<String> symbols, int[] sizes,
            Map<String, Integer> dimSizes) {
        Map<String, Tensor> feeds = new LinkedHashMap<>();
        Set<String> inputNames = new HashSet<>();
        for (ValueInfo v : executor.inputs()) {
            int[] shape = new int[v.shape().size()];
            for (int axis = 0; axis < shape.length; axis++) {
                String key = symbolKey(v, axis);
                if (key == null) {
                    shape[axis] = (int) v.shape().get(axis).value();
                } else if (dimSizes.containsKey(key)) {
                    shape[axis] = dimSizes.get(key);
                } else {
                    shape[axis] = sizes[symbols.indexOf(key)];
                }
            }
            feeds.put(v.name(), Tensor.zeros(v.type(), shape));
            inputNames.add(v.name());
        }
        Map<String, Observed> seen = new LinkedHashMap<>();
        executor.run(feeds, (name, value) -> {
            if (!inputNames.contains(name)) {
                seen.put(name, new Observed(value.dtype(), value.shape()));
            }
            return value;
        }, Set.of());
        return seen;
    }

    /** Combines two probe runs into value infos (see the class comment for the rules). */
    private static Map<String, ValueInfo> merge(Map<String, Observed> runA, Map<String, Observed> runB,
            List<String> symbols, int[] sizesA, int[] sizesB) {
        Map<String, ValueInfo> out = new LinkedHashMap<>();
        for (Map.Entry<String, Observed> e : runA.entrySet()) {
            Observed a = e.getValue();
            Observed b = runB.get(e.getKey());
            DType type = b == null || b.type() == a.type() ? a.type() : null;
            if (b == null || b.shape().length != a.shape().length) {
                out.put(e.getKey(), new ValueInfo(e.getKey(), type, null)); // rank depends on the probe
                continue;
            }
            List<ValueInfo.Dim> dims = new ArrayList<>(a.shape().length);
            for (int axis = 0; axis < a.shape().length; axis++) {
                int sa = a.shape()[axis];
                int sb = b.shape()[axis];
                dims.add(sa == sb ? ValueInfo.Dim.of(sa) : ValueInfo.Dim.symbolic(symbolFor(sa, sb, symbols, sizesA, sizesB)));
            }
            out.put(e.getKey(), new ValueInfo(e.getKey(), type, dims));
        }
        return out;
    }

    /** The dim_param of the input dim whose probes were (sa, sb), or "" when none matches or it is unnamed. */
    private static String symbolFor(int sa, int sb, List<String> symbols, int[] sizesA, int[] sizesB) {
        for (int i = 0; i < symbols.size(); i++) {
            if (sizesA[i] == sa && sizesB[i] == sb) {
                String key = symbols.get(i);
                return key.startsWith(ANONYMOUS) ? "" : key;
            }
        }
        return "";
    }
}
