package dev.lowbit.onnx;

import dev.lowbit.LowbitException;
import dev.lowbit.tensor.Tensor;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * An editable computation graph: nodes, initializers (constant tensors by name), and the
 * declared inputs, outputs and intermediate value infos. Passes insert, remove and rewire nodes
 * and replace initializers; {@link ModelIO} writes the result back as ONNX.
 */
public final class Graph {
    private String name;
    private final List<Node> nodes = new ArrayList<>();
    private final Map<String, Tensor> initializers = new LinkedHashMap<>();
    private final List<ValueInfo> inputs = new ArrayList<>();
    private final List<ValueInfo> outputs = new ArrayList<>();
    private final Map<String, ValueInfo> valueInfos = new LinkedHashMap<>();

    public Graph(String name) {
        this.name = name == null ? "" : name;
    }

    public String name() {
        return name;
    }

    public void setName(String name) {
        this.name = name;
    }

    /** Live node list, in file order (not necessarily topological: see {@link #topologicalOrder()}). */
    public List<Node> nodes() {
        return nodes;
    }

    /** Live initializer map. */
    public Map<String, Tensor> initializers() {
        return initializers;
    }

    /** Declared graph inputs, initializers excluded. */
    public List<ValueInfo> inputs() {
        return inputs;
    }

    /** Graph inputs that are not also initializers: the values a caller must feed. */
    public List<ValueInfo> runtimeInputs() {
        return inputs.stream().filter(v -> !initializers.containsKey(v.name())).toList();
    }

    public List<ValueInfo> outputs() {
        return outputs;
    }

    /** Type and shape annotations of intermediate values, by name. */
    public Map<String, ValueInfo> valueInfos() {
        return valueInfos;
    }

    public Tensor initializer(String value) {
        return initializers.get(value);
    }

    public void setInitializer(String value, Tensor t) {
        initializers.put(value, t);
    }

    public void addNode(Node n) {
        nodes.add(n);
    }

    /** Inserts {@code n} right before {@code before} in the node list. */
    public void insertBefore(Node before, Node n) {
        int i = nodes.indexOf(before);
        nodes.add(i < 0 ? nodes.size() : i, n);
    }

    /** Inserts {@code n} right after {@code after} in the node list. */
    public void insertAfter(Node after, Node n) {
        int i = nodes.indexOf(after);
        nodes.add(i < 0 ? nodes.size() : i + 1, n);
    }

    public void removeNode(Node n) {
        nodes.remove(n);
    }

    /** The node producing {@code value}, or null for graph inputs, initializers and unknown names. */
    /** The node whose {@link Node#key()} is {@code key}, or null. */
    public Node node(String key) {
        for (Node n : nodes) {
            if (n.key().equals(key)) {
                return n;
            }
        }
        return null;
    }

    public Node producer(String value) {
        for (Node n : nodes) {
            if (n.outputs().contains(value)) {
                return n;
            }
        }
        return null;
    }

    /** Nodes reading {@code value}, in node-list order. */
    public List<Node> consumers(String value) {
        List<Node> out = new ArrayList<>();
        for (Node n : nodes) {
            if (n.inputs().contains(value)) {
                out.add(n);
            }
        }
        return out;
    }

    /** How many node inputs read {@code value}; a node reading it twice counts twice (ONNX Runtime's edge count). */
    public int readCount(String value) {
        int n = 0;
        for (Node c : nodes) {
            for (String in : c.inputs()) {
                n += in.equals(value) ? 1 : 0;
            }
        }
        return n;
    }

    /** Makes every node that reads {@code from} read {@code to} instead; also renames graph outputs. */
    public void rewire(String from, String to) {
        for (Node n : nodes) {
            List<String> in = n.inputs();
            for (int i = 0; i < in.size(); i++) {
                if (in.get(i).equals(from)) {
                    in.set(i, to);
                }
            }
        }
    }

    public boolean isGraphOutput(String value) {
        return outputs.stream().anyMatch(v -> v.name().equals(value));
    }

    /** A value name not used anywhere in the graph, derived from {@code base}. */
    public String uniqueName(String base) {
        Set<String> used = new HashSet<>(initializers.keySet());
        inputs.forEach(v -> used.add(v.name()));
        for (Node n : nodes) {
            used.addAll(n.outputs());
            used.addAll(n.inputs());
            used.add(n.name());
        }
        if (!used.contains(base)) {
            return base;
        }
        for (int i = 1; ; i++) {
            String c = base + "_" + i;
            if (!used.contains(c)) {
                return c;
            }
        }
    }

    /**
     * Nodes in an order where each runs after the producers of its inputs (Kahn's algorithm,
     * stable with respect to file order). Values coming from outside (an enclosing graph) are
     * treated as available. Throws on a cycle.
     */
    public List<Node> topologicalOrder() {
        Map<String, Integer> producerIndex = new HashMap<>();
        for (int i = 0; i < nodes.size(); i++) {
            for (String o : nodes.get(i).outputs()) {
                if (!o.isEmpty()) {
                    producerIndex.put(o, i);
                }
            }
        }
        int[] pending = new int[nodes.size()];
        List<List<Integer>> dependents = new ArrayList<>();
        for (int i = 0; i < nodes.size(); i++) {
            dependents.add(new ArrayList<>());
        }
        for (int i = 0; i < nodes.size(); i++) {
            Set<Integer> deps = new HashSet<>();
            for (String in : nodeInputsIncludingSubgraphs(nodes.get(i))) {
                Integer p = producerIndex.get(in);
                if (p != null && p != i && deps.add(p)) {
                    dependents.get(p).add(i);
                }
            }
            pending[i] = deps.size();
        }
        java.util.PriorityQueue<Integer> ready = new java.util.PriorityQueue<>();
        for (int i = 0; i < nodes.size(); i++) {
            if (pending[i] == 0) {
                ready.add(i);
            }
        }
        List<Node> order = new ArrayList<>(nodes.size());
        while (!ready.isEmpty()) {
            int i = ready.poll();
            order.add(nodes.get(i));
            for (int d : dependents.get(i)) {
                if (--pending[d] == 0) {
                    ready.add(d);
                }
            }
        }
        if (order.size() != nodes.size()) {
            Node stuck = null;
            for (int i = 0; i < nodes.size() && stuck == null; i++) {
                if (pending[i] > 0) {
                    stuck = nodes.get(i);
                }
            }
            throw new LowbitException("graph '" + name + "' has a cycle: " + stuck.label()
                    + " depends on its own output through " + (nodes.size() - order.size()) + " node(s)");
        }
        return order;
    }

    /** A node's inputs plus the outer values its subgraph attributes (If/Loop bodies) read. */
    public static Set<String> nodeInputsIncludingSubgraphs(Node n) {
        Set<String> all = new LinkedHashSetOf(n.inputs());
        for (Attribute a : n.attributes().values()) {
            if (a.type() == Attribute.Type.GRAPH) {
                all.addAll(((Graph) a.value()).outerReferences());
            }
        }
        return all;
    }

    /** Names this graph reads that it neither defines nor receives as inputs. */
    public Set<String> outerReferences() {
        Set<String> defined = new HashSet<>(initializers.keySet());
        inputs.forEach(v -> defined.add(v.name()));
        Set<String> refs = new java.util.LinkedHashSet<>();
        Deque<Node> work = new ArrayDeque<>(nodes);
        for (Node n : nodes) {
            defined.addAll(n.outputs());
        }
        for (Node n : work) {
            for (String in : nodeInputsIncludingSubgraphs(n)) {
                if (!in.isEmpty() && !defined.contains(in)) {
                    refs.add(in);
                }
            }
        }
        for (ValueInfo o : outputs) {
            if (!defined.contains(o.name())) {
                refs.add(o.name());
            }
        }
        return refs;
    }

    /** Drops initializers no node or output uses. */
    public void removeUnusedInitializers() {
        Set<String> used = new HashSet<>();
        for (Node n : nodes) {
            used.addAll(nodeInputsIncludingSubgraphs(n));
        }
        outputs.forEach(v -> used.add(v.name()));
        initializers.keySet().removeIf(k -> !used.contains(k));
        inputs.removeIf(v -> !used.contains(v.name()) && !isDeclaredRuntimeInput(v));
    }

    private boolean isDeclaredRuntimeInput(ValueInfo v) {
        return !initializers.containsKey(v.name());
    }

    private static final class LinkedHashSetOf extends java.util.LinkedHashSet<String> {
        LinkedHashSetOf(List<String> items) {
            for (String s : items) {
                if (!s.isEmpty()) {
                    add(s);
                }
            }
        }
    }

    /** The constant behind {@code value}: an initializer or a Constant node's tensor, else null. */
    public Tensor constant(String value) {
        if (value == null || value.isEmpty()) {
            return null;
        }
        Tensor t = initializer(value);
        if (t != null) {
            return t;
        }
        Node p = producer(value);
        if (p != null && p.opType().equals("Constant")) {
            if (p.has("value")) {
                return p.getTensor("value");
            }
            if (p.has("value_float")) {
                return Tensor.of(new float[] {p.getFloat("value_float", 0)});
            }
        }
        return null;
    }

    /**
     * {min, max} of a Clip whose bounds are constant (attributes before opset 11, inputs after;
     * a missing bound is ±∞), or null when a bound is computed at run time.
     */
    public double[] clipBounds(Node clip) {
        double lo = Double.NEGATIVE_INFINITY;
        double hi = Double.POSITIVE_INFINITY;
        if (clip.has("min") || clip.has("max")) {
            lo = clip.getFloat("min", Float.NEGATIVE_INFINITY);
            hi = clip.getFloat("max", Float.POSITIVE_INFINITY);
        }
        for (int i = 1; i <= 2; i++) {
            if (clip.hasInput(i)) {
                Tensor t = constant(clip.input(i));
                if (t == null || t.size() != 1) {
                    return null;
                }
                if (i == 1) {
                    lo = t.getDouble(0);
                } else {
                    hi = t.getDouble(0);
                }
            }
        }
        return new double[] {lo, hi};
    }
}
