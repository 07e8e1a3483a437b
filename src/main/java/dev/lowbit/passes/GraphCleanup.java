package dev.lowbit.passes;

import dev.lowbit.onnx.Graph;
import dev.lowbit.onnx.Node;
import java.util.List;

/** Removes nodes that do nothing at inference: Identity, and Dropout whose mask is unused. */
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
}
