package dev.lowbit.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lowbit.exec.Executor;
import dev.lowbit.onnx.Attribute;
import dev.lowbit.onnx.Graph;
import dev.lowbit.onnx.Model;
import dev.lowbit.onnx.Node;
import dev.lowbit.onnx.ValueInfo;
import dev.lowbit.ops.ConvForward;
import dev.lowbit.tensor.DType;
import dev.lowbit.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Conv -> Add -> Relu fused into one Conv: same numbers as the unfused graph, and only where it is safe. */
class ResidualFusionTest {
    /** A residual block: y = Relu(Conv2(Relu(Conv1(x))) + x), optionally with the sum also a graph output. */
    static Model block(boolean sumIsAlsoRead) {
        Random r = new Random(5);
        Graph g = new Graph("block");
        g.inputs().add(ValueInfo.of("x", DType.FLOAT, -1, 8, 9, 7));
        g.outputs().add(ValueInfo.of("y", DType.FLOAT, -1, 8, 9, 7));
        g.setInitializer("w1", randomFloats(r, 8, 8, 3, 3));
        g.setInitializer("w2", randomFloats(r, 8, 8, 3, 3));
        g.setInitializer("b2", randomFloats(r, 8));
        Node c1 = new Node("Conv", "c1", new ArrayList<>(List.of("x", "w1")), new ArrayList<>(List.of("h")));
        Node c2 = new Node("Conv", "c2", new ArrayList<>(List.of("h1", "w2", "b2")), new ArrayList<>(List.of("c")));
        for (Node c : List.of(c1, c2)) {
            c.set(Attribute.ofInts("pads", 1, 1, 1, 1));
        }
        g.addNode(c1);
        g.addNode(new Node("Relu", "r1", new ArrayList<>(List.of("h")), new ArrayList<>(List.of("h1"))));
        g.addNode(c2);
        g.addNode(new Node("Add", "add", new ArrayList<>(List.of("x", "c")), new ArrayList<>(List.of("s"))));
        g.addNode(new Node("Relu", "r2", new ArrayList<>(List.of("s")), new ArrayList<>(List.of("y"))));
        if (sumIsAlsoRead) {
            g.outputs().add(ValueInfo.of("c", DType.FLOAT, -1, 8, 9, 7));
        }
        Model m = new Model(g);
        m.opsets().put("", 17L);
        return m;
    }

    static Tensor randomFloats(Random r, int... shape) {
        Tensor t = Tensor.zeros(DType.FLOAT, shape);
        for (int i = 0; i < t.size(); i++) {
            t.floats()[i] = (float) r.nextGaussian();
        }
        return t;
    }

    @Test
    void convAddReluBecomesOneConvWithTheSameOutput() {
        Model m = block(false);
        Model fused = QdqFusion.forExecution(m);
        List<String> ops = fused.graph().nodes().stream().map(Node::opType).toList();
        assertEquals(List.of("Conv", "Conv"), ops.stream().sorted().toList(), "all Adds and Relus fused: " + ops);
        assertTrue(fused.graph().nodes().stream().anyMatch(n -> n.has(ConvForward.FUSED_ADD)));
        Tensor x = randomFloats(new Random(9), 3, 8, 9, 7);
        Tensor expected = new Executor(m).run(Map.of("x", x)).get("y");
        Tensor actual = new JavaEngine(m).run(Map.of("x", x)).get("y");
        for (int i = 0; i < expected.size(); i++) {
            assertEquals(expected.floats()[i], actual.floats()[i], 1e-5f * (1 + Math.abs(expected.floats()[i])));
        }
    }

    @Test
    void convWhoseOutputIsAlsoAGraphOutputIsNotFused() {
        Model fused = QdqFusion.forExecution(block(true));
        assertTrue(fused.graph().nodes().stream().anyMatch(n -> n.opType().equals("Add")));
    }
}
