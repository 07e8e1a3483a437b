package dev.lowbit.ops;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import dev.lowbit.exec.Executor;
import dev.lowbit.exec.OpRegistry;
import dev.lowbit.onnx.Attribute;
import dev.lowbit.onnx.Graph;
import dev.lowbit.onnx.Node;
import dev.lowbit.onnx.ValueInfo;
import dev.lowbit.tensor.DType;
import dev.lowbit.tensor.Tensor;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** If, Loop and Scan with bodies that read enclosing-scope values (inputs and initializers). */
class ControlFlowOpsTest {
    private static ValueInfo any(String name, DType t) {
        return new ValueInfo(name, t, null);
    }

    private static Node node(String op, List<String> in, List<String> out) {
        return new Node(op, "", in, out);
    }

    private static Map<String, Tensor> run(Graph g, Map<String, Tensor> feed) {
        return new Executor(g, Map.of("", 16L), OpRegistry.standard()).run(feed);
    }

    /** body(i, cond, x) = (cond', x + w, x + w), with w from the outer graph and cond' = i < limit. */
    private static Graph loopGraph(boolean tripCount) {
        Graph body = new Graph("body");
        body.inputs().add(any("i", DType.INT64));
        body.inputs().add(any("cond", DType.BOOL));
        body.inputs().add(any("x", DType.FLOAT));
        body.addNode(node("Add", List.of("x", "w"), List.of("x1")));
        body.addNode(node(tripCount ? "Identity" : "Less", tripCount ? List.of("cond") : List.of("i", "limit"),
                List.of("cond_out")));
        body.addNode(node("Identity", List.of("x1"), List.of("s")));
        body.outputs().addAll(List.of(any("cond_out", DType.BOOL), any("x1", DType.FLOAT), any("s", DType.FLOAT)));

        Graph g = new Graph("main");
        g.inputs().add(any("M", DType.INT64));
        g.inputs().add(any("x0", DType.FLOAT));
        g.inputs().add(any("w", DType.FLOAT));
        g.setInitializer("limit", Tensor.scalar(1L));
        Node loop = node("Loop", List.of(tripCount ? "M" : "", "", "x0"), List.of("xf", "scan"));
        loop.set(new Attribute("body", Attribute.Type.GRAPH, body));
        g.addNode(loop);
        g.outputs().addAll(List.of(any("xf", DType.FLOAT), any("scan", DType.FLOAT)));
        return g;
    }

    @Test
    void loopRunsTripCountAndStacksScanOutputs() {
        Map<String, Tensor> out = run(loopGraph(true), Map.of("M", Tensor.scalar(3L),
                "x0", Tensor.of(new float[] {1, 2}, 2), "w", Tensor.of(new float[] {10, 20}, 2)));
        assertArrayEquals(new float[] {31, 62}, out.get("xf").floats());
        assertArrayEquals(new int[] {3, 2}, out.get("scan").shape());
        assertArrayEquals(new float[] {11, 22, 21, 42, 31, 62}, out.get("scan").floats());
    }

    @Test
    void loopStopsWhenBodyConditionTurnsFalse() {
        Map<String, Tensor> out = run(loopGraph(false), Map.of("M", Tensor.scalar(100L),
                "x0", Tensor.of(new float[] {1, 2}, 2), "w", Tensor.of(new float[] {10, 20}, 2)));
        // i = 0: 0 < 1 continues; i = 1: 1 < 1 stops after that iteration
        assertArrayEquals(new float[] {21, 42}, out.get("xf").floats());
        assertArrayEquals(new int[] {2, 2}, out.get("scan").shape());
    }

    @Test
    void ifPicksTheBranchAndReadsOuterValues() {
        Graph then = new Graph("then");
        then.addNode(node("Add", List.of("a", "b"), List.of("t")));
        then.outputs().add(any("t", DType.FLOAT));
        Graph otherwise = new Graph("else");
        otherwise.addNode(node("Sub", List.of("a", "b"), List.of("e")));
        otherwise.outputs().add(any("e", DType.FLOAT));
        Graph g = new Graph("main");
        g.inputs().addAll(List.of(any("c", DType.BOOL), any("a", DType.FLOAT), any("b", DType.FLOAT)));
        Node n = node("If", List.of("c"), List.of("y"));
        n.set(new Attribute("then_branch", Attribute.Type.GRAPH, then));
        n.set(new Attribute("else_branch", Attribute.Type.GRAPH, otherwise));
        g.addNode(n);
        g.outputs().add(any("y", DType.FLOAT));
        Tensor a = Tensor.of(new float[] {5, 7}, 2);
        Tensor b = Tensor.of(new float[] {1, 2}, 2);
        Tensor yes = Tensor.wrap(DType.BOOL, new int[0], new boolean[] {true});
        Tensor no = Tensor.wrap(DType.BOOL, new int[0], new boolean[] {false});
        assertArrayEquals(new float[] {6, 9}, run(g, Map.of("c", yes, "a", a, "b", b)).get("y").floats());
        assertArrayEquals(new float[] {4, 5}, run(g, Map.of("c", no, "a", a, "b", b)).get("y").floats());
    }

    @Test
    void scanReverseAlongAxisOne() {
        Graph body = new Graph("body");
        body.inputs().addAll(List.of(any("s", DType.FLOAT), any("col", DType.FLOAT)));
        body.addNode(node("Add", List.of("s", "col"), List.of("s1")));
        body.addNode(node("Identity", List.of("s1"), List.of("o")));
        body.outputs().addAll(List.of(any("s1", DType.FLOAT), any("o", DType.FLOAT)));
        Graph g = new Graph("main");
        g.inputs().addAll(List.of(any("s0", DType.FLOAT), any("X", DType.FLOAT)));
        Node n = node("Scan", List.of("s0", "X"), List.of("sf", "ys"));
        n.set(new Attribute("body", Attribute.Type.GRAPH, body));
        n.set(Attribute.ofInt("num_scan_inputs", 1));
        n.set(Attribute.ofInts("scan_input_axes", 1));
        n.set(Attribute.ofInts("scan_input_directions", 1));
        g.addNode(n);
        g.outputs().addAll(List.of(any("sf", DType.FLOAT), any("ys", DType.FLOAT)));
        Map<String, Tensor> out = run(g, Map.of("s0", Tensor.of(new float[] {0, 0}, 2),
                "X", Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 2, 3)));
        assertArrayEquals(new float[] {6, 15}, out.get("sf").floats());
        assertArrayEquals(new int[] {3, 2}, out.get("ys").shape());
        assertArrayEquals(new float[] {3, 6, 5, 11, 6, 15}, out.get("ys").floats());
    }
}
