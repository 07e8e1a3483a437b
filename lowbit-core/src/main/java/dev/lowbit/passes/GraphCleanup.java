package dev.lowbit.passes;

import dev.lowbit.LowbitException;
import dev.lowbit.onnx.Graph;
import dev.lowbit.onnx.Node;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Removes nodes that do nothing at inference (Identity, Dropout whose mask is unused), and the
 * nodes that compute only outputs a user does not want.
 */
public final class GraphCleanup {
    private GraphCleanup() {
    }

    /** Removes no-op nodes in place; returns how many were removed. */
    public static int removeNoOps(Graph g) {
        int removed = 0;
        for (Node n : List.copyOf(g.nodes())) {
            boolean noop = n.opType().equals("Identity")
                    || (n.opType().equals("Dropout") && (n.outputs().size() < 2 || n.output(1).isEmpty()
                        || g.consumers(n.output(1)).isEmpty() && !g.isGraphOutput(n.output(1))));
            if (!noop || n.inputs().isEmpty()) {
                continue;
            }
            String in = n.input(0);
            String out = n.output(0);
            if (g.isGraphOutput(out)) {
                if (g.isGraphOutput(in) || g.producer(in) == null) {
                    continue; // keep: renaming a graph input or output would change the interface
                }
                Node p = g.producer(in);
                p.outputs().set(p.outputs().indexOf(in), out);
                g.rewire(in, out);
            } else {
                g.rewire(out, in);
            }
            g.removeNode(n);
            removed++;
        }
        return removed;
    }

    /**
     * Keeps only the graph outputs named {@code keep} (in the graph's order) and the nodes and
     * initializers they need; graph inputs stay as they are, so feeds do not change. Returns how
     * many nodes were removed.
     */
    public static int keepOutputs(Graph g, List<String> keep) {
        Set<String> known = new LinkedHashSet<>();
        g.outputs().forEach(v -> known.add(v.name()));
        for (String k : keep) {
            if (!known.contains(k)) {
                throw new LowbitException("the model has no output '" + k + "' (its outputs: " + String.join(", ", known) + ")");
            }
        }
        g.outputs().removeIf(v -> !keep.contains(v.name()));
        Set<String> needed = new HashSet<>(keep);
        List<Node> order = g.topologicalOrder();
        Set<Node> live = new HashSet<>();
        for (int i = order.size() - 1; i >= 0; i--) {
            Node n = order.get(i);
            if (n.outputs().stream().anyMatch(needed::contains)) {
                live.add(n);
                needed.addAll(Graph.nodeInputsIncludingSubgraphs(n));
            }
        }
        int removed = 0;
        for (Node n : List.copyOf(g.nodes())) {
            if (!live.contains(n)) {
                g.removeNode(n);
                removed++;
            }
        }
        g.removeUnusedInitializers();
        return removed;
    }
}
