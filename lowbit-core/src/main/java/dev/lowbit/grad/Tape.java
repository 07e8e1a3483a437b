package dev.lowbit.grad;

import dev.lowbit.LowbitException;
import dev.lowbit.exec.Op;
import dev.lowbit.exec.OpContext;
import dev.lowbit.exec.OpRegistry;
import dev.lowbit.onnx.Graph;
import dev.lowbit.onnx.Model;
import dev.lowbit.onnx.Node;
import dev.lowbit.onnx.ValueInfo;
import dev.lowbit.tensor.DType;
import dev.lowbit.tensor.Tensor;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Runs a graph forward with lowbit's ops while keeping every value, then back-propagates.
 *
 * <p>Parameters are initializers the caller will train: they are copied out of the graph into
 * {@link #parameters()} (mutable: an optimizer updates them in place) and hidden from the ops at
 * load time, so no op pre-packs a value that later changes. Any value (parameter, input or
 * intermediate) can be asked for in {@link #backward}.
 */
public final class Tape {
    private record Step(Node node, int opset, Op op, GradOp grad) {
    }

    private final Graph graph;
    private final List<Step> steps = new java.util.ArrayList<>();
    private final Map<String, Tensor> parameters = new LinkedHashMap<>();
    private boolean training;
    private Map<String, Tensor> values = new HashMap<>();

    public Tape(Model model, Set<String> parameterNames, boolean training) {
        this(model.graph(), model.opsets(), parameterNames, GradRegistry.standard(), training);
    }

    /**
     * Plans {@code graph}. {@code training} selects training-mode forwards (BatchNormalization with
     * batch statistics); otherwise the forward is exactly lowbit's inference.
     */
    public Tape(Graph graph, Map<String, Long> opsets, Set<String> parameterNames, GradRegistry grads, boolean training) {
        this.graph = graph;
        this.training = training;
        Graph visible = new Graph(graph.name());
        visible.inputs().addAll(graph.inputs());
        visible.valueInfos().putAll(graph.valueInfos());
        for (Map.Entry<String, Tensor> e : graph.initializers().entrySet()) {
            if (parameterNames.contains(e.getKey())) {
                if (e.getValue().dtype() != DType.FLOAT) {
                    throw new LowbitException("parameter '" + e.getKey() + "' is " + e.getValue().dtype().onnxName()
                            + "; only float initializers can be trained");
                }
                parameters.put(e.getKey(), e.getValue().copy());
            } else {
                visible.setInitializer(e.getKey(), e.getValue());
            }
        }
        for (String p : parameterNames) {
            if (!parameters.containsKey(p)) {
                throw new LowbitException("parameter '" + p + "' is not an initializer of the graph");
            }
        }
        OpRegistry registry = OpRegistry.standard();
        for (Node n : graph.topologicalOrder()) {
            int opset = opsets.getOrDefault(n.domain(), opsets.getOrDefault("", 1L)).intValue();
            Op op = registry.create(new OpContext(n, opset, visible));
            steps.add(new Step(n, opset, op, grads.supports(n.opType()) && n.domain().isEmpty() ? grads.get(n) : null));
        }
    }

    /**
     * Switches between training-mode forwards (BatchNormalization with batch statistics) and
     * inference forwards, e.g. when a trainer freezes BN statistics.
     */
    public void setTraining(boolean training) {
        this.training = training;
    }

    /** Trainable values by name (copies of the initializers, updated in place by optimizers). */
    public Map<String, Tensor> parameters() {
        return parameters;
    }

    /**
     * Runs the graph on {@code feeds} (runtime inputs; may also override initializers or parameters)
     * and returns the graph outputs. Every value is kept for {@link #backward} and {@link #value}.
     */
    public Map<String, Tensor> forward(Map<String, Tensor> feeds) {
        values = new HashMap<>(graph.initializers());
        values.putAll(parameters);
        values.putAll(feeds);
        for (ValueInfo v : graph.runtimeInputs()) {
            if (!values.containsKey(v.name())) {
                throw new LowbitException("missing input '" + v.name() + "'");
            }
        }
        for (Step s : steps) {
            Tensor[] args = new Tensor[s.node.inputs().size()];
            for (int i = 0; i < args.length; i++) {
                args[i] = s.node.input(i).isEmpty() ? null : values.get(s.node.input(i));
            }
            Tensor[] out = training && s.grad != null ? s.grad.trainingForward(s.node, s.opset, args) : null;
            if (out == null) {
                out = s.op.run(args);
            }
            for (int o = 0; o < s.node.outputs().size() && o < out.length; o++) {
                if (!s.node.output(o).isEmpty() && out[o] != null) {
                    values.put(s.node.output(o), out[o]);
                }
            }
        }
        Map<String, Tensor> outs = new LinkedHashMap<>();
        for (ValueInfo o : graph.outputs()) {
            outs.put(o.name(), values.get(o.name()));
        }
        return outs;
    }

    /** A value of the last forward pass (null if unknown). */
    public Tensor value(String name) {
        return values.get(name);
    }

    /**
     * Back-propagates {@code seeds} (d loss / d value, e.g. of the outputs) through the last forward
     * pass and returns d loss / d name for every name in {@code wrt} (zeros when no path connects it).
     */
    public Map<String, Tensor> backward(Map<String, Tensor> seeds, Collection<String> wrt) {
        Set<String> requires = new HashSet<>(wrt);
        for (Step s : steps) {
            if (s.node.inputs().stream().anyMatch(requires::contains)) {
                s.node.outputs().stream().filter(o -> !o.isEmpty()).forEach(requires::add);
            }
        }
        Map<String, Tensor> grads = new HashMap<>(seeds);
        for (int k = steps.size() - 1; k >= 0; k--) {
            Step s = steps.get(k);
            Node n = s.node;
            boolean[] needed = new boolean[n.inputs().size()];
            boolean any = false;
            for (int i = 0; i < needed.length; i++) {
                needed[i] = !n.input(i).isEmpty() && requires.contains(n.input(i));
                any |= needed[i];
            }
            boolean reached = n.outputs().stream().anyMatch(grads::containsKey);
            if (!any || !reached) {
                continue;
            }
            if (s.grad == null) {
                throw new LowbitException(n.label() + ": no gradient for op " + n.opType());
            }
            Tensor[] ins = new Tensor[needed.length];
            for (int i = 0; i < ins.length; i++) {
                ins[i] = n.input(i).isEmpty() ? null : values.get(n.input(i));
            }
            Tensor[] outs = new Tensor[n.outputs().size()];
            Tensor[] dOut = new Tensor[outs.length];
            for (int o = 0; o < outs.length; o++) {
                outs[o] = n.output(o).isEmpty() ? null : values.get(n.output(o));
                Tensor g = n.output(o).isEmpty() ? null : grads.get(n.output(o));
                dOut[o] = g != null ? g : outs[o] == null ? null : Tensor.zeros(DType.FLOAT, outs[o].shapeRef());
            }
            Tensor[] dIn = s.grad.backward(new GradOp.Saved(n, s.opset, ins, outs, training), dOut, needed);
            for (int i = 0; i < needed.length; i++) {
                if (needed[i] && i < dIn.length && dIn[i] != null) {
                    grads.merge(n.input(i), dIn[i], GradTensors::sum);
                }
            }
            for (String o : n.outputs()) {
                if (!wrt.contains(o)) {
                    grads.remove(o); // consumed: keeps memory at the live frontier
                }
            }
        }
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (String w : wrt) {
            Tensor g = grads.get(w);
            if (g == null) {
                Tensor v = values.get(w);
                if (v == null) {
                    throw new LowbitException("no value named '" + w + "' to differentiate");
                }
                g = Tensor.zeros(DType.FLOAT, v.shapeRef());
            }
            out.put(w, g);
        }
        return out;
    }
}
