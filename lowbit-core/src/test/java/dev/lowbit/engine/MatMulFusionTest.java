package dev.lowbit.engine;

import static dev.lowbit.engine.ResidualFusionTest.randomFloats;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.lowbit.exec.Executor;
import dev.lowbit.onnx.Attribute;
import dev.lowbit.onnx.Graph;
import dev.lowbit.onnx.Model;
import dev.lowbit.onnx.Node;
import dev.lowbit.onnx.ValueInfo;
import dev.lowbit.tensor.DType;
import dev.lowbit.tensor.Parallel;
import dev.lowbit.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * BERT-style self-attention (Linear layers with bias, heads split by Reshape + Transpose, scaled
 * Q·Kᵀ, Softmax, P·V, heads merged back): after fusion no Transpose, scale or bias Add is left, and
 * the output is the unfused graph's.
 */
class MatMulFusionTest {
    private static final int SEQ = 7;
    private static final int HEADS = 3;
    private static final int DIM = 5;
    private static final int HIDDEN = HEADS * DIM;

    static Model attention() {
        Random r = new Random(21);
        Graph g = new Graph("attention");
        g.inputs().add(ValueInfo.of("x", DType.FLOAT, -1, SEQ, HIDDEN));
        g.outputs().add(ValueInfo.of("y", DType.FLOAT, -1, SEQ, HIDDEN));
        g.setInitializer("split", Tensor.of(new long[] {0, 0, HEADS, DIM}, 4));
        g.setInitializer("merge", Tensor.of(new long[] {0, 0, HIDDEN}, 3));
        g.setInitializer("scale", Tensor.scalar((float) Math.sqrt(DIM)));
        for (String p : List.of("q", "k", "v")) {
            g.setInitializer("w" + p, randomFloats(r, HIDDEN, HIDDEN));
            g.setInitializer("b" + p, randomFloats(r, HIDDEN));
            add(g, "MatMul", "x", "w" + p, p + "0");
            add(g, "Add", "b" + p, p + "0", p + "1");
            add(g, "Reshape", p + "1", "split", p + "2");
        }
        add(g, "Transpose", "q2", "q").set(Attribute.ofInts("perm", 0, 2, 1, 3));
        add(g, "Transpose", "k2", "kt").set(Attribute.ofInts("perm", 0, 2, 3, 1));
        add(g, "Transpose", "v2", "v").set(Attribute.ofInts("perm", 0, 2, 1, 3));
        add(g, "MatMul", "q", "kt", "s0");
        add(g, "Div", "s0", "scale", "s");
        add(g, "Softmax", "s", "p").set(Attribute.ofInt("axis", -1));
        add(g, "MatMul", "p", "v", "c0");
        add(g, "Transpose", "c0", "c").set(Attribute.ofInts("perm", 0, 2, 1, 3));
        add(g, "Reshape", "c", "merge", "y");
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

    @Test
    void attentionLosesItsTransposesScaleAndBiasAddsButNotItsNumbers() {
        Model m = attention();
        List<String> ops = QdqFusion.forExecution(m).graph().nodes().stream().map(Node::opType).sorted().toList();
        assertEquals(List.of("MatMul", "MatMul", "MatMul", "MatMul", "MatMul", "Reshape", "Reshape", "Reshape",
                "Reshape", "Softmax"), ops);
        Tensor x = randomFloats(new Random(4), 2, SEQ, HIDDEN);
        float[] expected = new Executor(m).run(Map.of("x", x)).get("y").floats();
        float[] actual = new JavaEngine(m).run(Map.of("x", x)).get("y").floats();
        for (int i = 0; i < expected.length; i++) {
            // x/c against x*(1/c) and another summation order in the GEMMs: float rounding only
            assertEquals(expected[i], actual[i], 1e-4f * (1 + Math.abs(expected[i])), "element " + i);
        }
    }

    @Test
    void foldedTransposesGiveTheSameBitsOnOneThreadAndOnSeveral() {
        Model m = attention();
        Tensor x = randomFloats(new Random(8), 3, SEQ, HIDDEN);
        int before = Parallel.threads();
        try {
            Parallel.setThreads(1);
            float[] single = new JavaEngine(m).run(Map.of("x", x)).get("y").floats();
            Parallel.setThreads(3);
            float[] multi = new JavaEngine(m).run(Map.of("x", x)).get("y").floats();
            assertArrayEquals(single, multi);
        } finally {
            Parallel.setThreads(before);
        }
    }
}
