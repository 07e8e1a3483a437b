package dev.lowbit.engine;

import static dev.lowbit.engine.ResidualFusionTest.randomFloats;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lowbit.exec.Executor;
import dev.lowbit.onnx.Attribute;
import dev.lowbit.onnx.Graph;
import dev.lowbit.onnx.Model;
import dev.lowbit.onnx.Node;
import dev.lowbit.onnx.ValueInfo;
import dev.lowbit.tensor.DType;
import dev.lowbit.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Decomposed LayerNorm and GELU (PyTorch's opset-14 export) become single ops with the same numbers. */
class NormActivationFusionTest {
    private static final int COLS = 24;

    /** x -> decomposed LayerNorm -> decomposed GELU -> y; {@code extraOutput} also exposes an intermediate. */
    static Model encoderPiece(boolean halfFirst, String extraOutput) {
        Random r = new Random(3);
        Graph g = new Graph("piece");
        g.inputs().add(ValueInfo.of("x", DType.FLOAT, -1, 5, COLS));
        g.outputs().add(ValueInfo.of("y", DType.FLOAT, -1, 5, COLS));
        if (extraOutput != null) {
            g.outputs().add(ValueInfo.of(extraOutput, DType.FLOAT, -1, 5, COLS));
        }
        g.setInitializer("gamma", randomFloats(r, COLS));
        g.setInitializer("beta", randomFloats(r, COLS));
        g.setInitializer("two", Tensor.scalar(2f));
        g.setInitializer("eps", Tensor.scalar(1e-12f));
        g.setInitializer("sqrt2", Tensor.scalar((float) Math.sqrt(2)));
        g.setInitializer("one", Tensor.scalar(1f));
        g.setInitializer("half", Tensor.scalar(0.5f));
        add(g, "ReduceMean", "x", "mean").set(Attribute.ofInts("axes", -1));
        add(g, "Sub", "x", "mean", "d");
        add(g, "Pow", "d", "two", "d2");
        add(g, "ReduceMean", "d2", "var").set(Attribute.ofInts("axes", -1));
        add(g, "Add", "var", "eps", "ve");
        add(g, "Sqrt", "ve", "sd");
        add(g, "Div", "d", "sd", "n");
        add(g, "Mul", "n", "gamma", "ng");
        add(g, "Add", "beta", "ng", "h");
        add(g, "Div", "h", "sqrt2", "hs");
        add(g, "Erf", "hs", "e");
        add(g, "Add", "e", "one", "e1");
        if (halfFirst) {
            add(g, "Mul", "h", "half", "hh");
            add(g, "Mul", "hh", "e1", "y");
        } else {
            add(g, "Mul", "h", "e1", "p");
            add(g, "Mul", "p", "half", "y");
        }
        Model m = new Model(g);
        m.opsets().put("", 14L);
        return m;
    }

    private static Node add(Graph g, String op, String... io) {
        List<String> in = new ArrayList<>(List.of(io).subList(0, io.length - 1));
        Node n = new Node(op, op + g.nodes().size(), in, new ArrayList<>(List.of(io[io.length - 1])));
        g.addNode(n);
        return n;
    }

    private static List<String> fusedOps(Model m) {
        return QdqFusion.forExecution(m).graph().nodes().stream().map(Node::opType).toList();
    }

    @Test
    void layerNormAndGeluBecomeTwoOpsWithTheSameOutput() {
        for (boolean halfFirst : new boolean[] {false, true}) {
            Model m = encoderPiece(halfFirst, null);
            assertEquals(List.of("LayerNormalization", "Gelu"), fusedOps(m));
            Tensor x = randomFloats(new Random(11), 4, 5, COLS);
            float[] expected = new Executor(m).run(Map.of("x", x)).get("y").floats();
            float[] actual = new JavaEngine(m).run(Map.of("x", x)).get("y").floats();
            for (int i = 0; i < expected.length; i++) {
                // float rounding of a different but equivalent evaluation order, on values of order 1
                assertEquals(expected[i], actual[i], 2e-5f * (1 + Math.abs(expected[i])), "element " + i);
            }
        }
    }

    @Test
    void chainsWhoseIntermediatesAreReadElsewhereStayUnfused() {
        List<String> keepNorm = fusedOps(encoderPiece(false, "d"));
        assertTrue(keepNorm.contains("Pow") && keepNorm.contains("Gelu"), keepNorm.toString());
        List<String> keepGelu = fusedOps(encoderPiece(false, "e"));
        assertTrue(keepGelu.contains("LayerNormalization") && keepGelu.contains("Erf"), keepGelu.toString());
    }
}
