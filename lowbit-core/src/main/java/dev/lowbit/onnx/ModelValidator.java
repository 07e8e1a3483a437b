package dev.lowbit.onnx;

import dev.lowbit.LowbitException;
import dev.lowbit.tensor.DType;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Structural checks every command relies on, at the level of ONNX's own checker: each value is
 * produced once (SSA), every node input is defined (by a graph input, an initializer, a node, or
 * an enclosing graph for If/Loop/Scan bodies), every graph output is produced, the graph has no
 * cycle, standard ops get as many inputs as the specification allows ({@link OpArity}), declared
 * dimensions are non-negative and fit an int, and the opset of the standard domains is one that
 * exists. {@link ModelIO#load} runs it, so run, quantize, train and inspect
 * all refuse a broken model before doing any work, with one line naming the node.
 */
public final class ModelValidator {
    /** Newest opset of the standard domains known when this was written (ONNX 1.18). */
    static final int MAX_ONNX_OPSET = 23, MAX_ML_OPSET = 5;

    private ModelValidator() {
    }

    /** Every problem found, each one line; empty when the model is well formed. */
    public static List<String> problems(Model model) {
        List<String> out = new ArrayList<>();
        model.opsets().forEach((domain, version) -> {
            int max = domain.isEmpty() ? MAX_ONNX_OPSET : domain.equals("ai.onnx.ml") ? MAX_ML_OPSET : Integer.MAX_VALUE;
            if (version < 1 || version > max) {
                out.add("opset " + version + " of domain '" + (domain.isEmpty() ? "ai.onnx" : domain)
                        + "' does not exist (known: 1-" + max + ")");
            }
        });
        checkGraph(model.graph(), Set.of(), out);
        return out;
    }

    /** Throws a {@link LowbitException} with the first problem. */
    public static void check(Model model) {
        List<String> p = problems(model);
        if (!p.isEmpty()) {
            throw new LowbitException(p.get(0) + (p.size() > 1 ? " (and " + (p.size() - 1) + " more problems)" : ""));
        }
    }

    private static void checkGraph(Graph g, Set<String> outer, List<String> out) {
        String where = g.name() == null || g.name().isEmpty() ? "the graph" : "graph '" + g.name() + "'";
        Set<String> defined = new HashSet<>(outer);
        for (ValueInfo v : g.inputs()) {
            checkDims(v, "input", out);
            defined.add(v.name());
        }
        for (ValueInfo v : g.outputs()) {
            checkDims(v, "output", out);
        }
        defined.addAll(g.initializers().keySet());
        Map<String, Node> producer = new HashMap<>();
        for (Node n : g.nodes()) {
            for (String o : n.outputs()) {
                if (o.isEmpty()) {
                    continue;
                }
                Node first = producer.putIfAbsent(o, n);
                if (first != null) {
                    out.add(n.label() + " writes '" + o + "', which " + first.label() + " already writes");
                } else if (defined.contains(o) && !outer.contains(o)) {
                    out.add(n.label() + " writes '" + o + "', which is a graph input or initializer");
                }
            }
        }
        Set<String> all = new HashSet<>(defined);
        all.addAll(producer.keySet());
        for (Node n : g.nodes()) {
            String arity = OpArity.check(n);
            if (arity != null) {
                out.add(arity);
            }
            for (String in : n.inputs()) {
                if (!in.isEmpty() && n.outputs().contains(in)) {
                    out.add(n.label() + " reads its own output '" + in + "' (a cycle)");
                } else if (!in.isEmpty() && !all.contains(in)) {
                    out.add(n.label() + " reads '" + in + "', which no node, input or initializer of " + where + " defines");
                }
            }
            for (Attribute a : n.attributes().values()) {
                if (a.type() == Attribute.Type.GRAPH) {
                    checkGraph((Graph) a.value(), all, out);
                } else if (a.type() == Attribute.Type.GRAPHS) {
                    for (Object sub : (List<?>) a.value()) {
                        checkGraph((Graph) sub, all, out);
                    }
                }
            }
        }
        for (ValueInfo v : g.outputs()) {
            if (!all.contains(v.name())) {
                out.add(where + " has output '" + v.name() + "', which no node, input or initializer produces");
            }
        }
        if (out.isEmpty()) {
            try {
                checkTypes(g, g.topologicalOrder(), out);
            } catch (LowbitException e) {
                out.add(e.getMessage());
            }
        }
    }

    /** Element types each op accepts ({@link OpTypes}), where the types are known without running. */
    private static void checkTypes(Graph g, List<Node> order, List<String> out) {
        Map<String, DType> known = new HashMap<>();
        g.inputs().forEach(v -> {
            if (v.type() != null) {
                known.put(v.name(), v.type());
            }
        });
        g.initializers().forEach((k, t) -> known.put(k, t.dtype()));
        for (Node n : order) {
            String problem = OpTypes.check(n, known);
            if (problem != null) {
                out.add(problem);
                return;
            }
            OpTypes.propagate(n, known);
        }
    }

    private static void checkDims(ValueInfo v, String role, List<String> out) {
        if (v.shape() == null) {
            return;
        }
        for (ValueInfo.Dim d : v.shape()) {
            if (d.param() == null && (d.value() < 0 || d.value() > Integer.MAX_VALUE)) {
                out.add(role + " '" + v.name() + "' declares dimension " + d.value()
                        + (d.value() < 0 ? " (negative)" : " (larger than 2^31-1)"));
            }
        }
    }
}
