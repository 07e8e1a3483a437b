package dev.lowbit.engine;

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
 * MobileNetV2-style inverted residual blocks on channel-blocked activations: which Convs change,
 * where the conversions go, and the same outputs as the NCHW graph (within float rounding) on 1 to
 * 3 threads, with channel counts that end inside a block.
 */
class BlockedLayoutTest {
    /**
     * x [N, 12, 10, 10] -> stem 3x3 Conv (stays NCHW) -> expand 1x1 -> ReLU6 -> depthwise 3x3 -> ReLU6
     * -> project 1x1 (+ the stem output) -> expand -> ReLU6 -> depthwise stride 2 -> ReLU6 -> project
     * -> y; {@code alsoReturned} makes the first block's output a graph output too.
     */
    static Model network(boolean alsoReturned) {
        Random r = new Random(3);
        Graph g = new Graph("mbv2");
        g.inputs().add(ValueInfo.of("x", DType.FLOAT, -1, 3, 10, 10));
        g.outputs().add(ValueInfo.of("y", DType.FLOAT, -1, 20, 5, 5));
        g.setInitializer("lo", Tensor.scalar(0f));
        g.setInitializer("hi", Tensor.scalar(6f));
        conv(g, r, "stem", "x", "s", 12, 3, 3, 1, 1, 1);
        relu6(g, "s", "s6");
        block(g, r, "b1", "s6", "b1", 12, 44, 12, 1, true);
        block(g, r, "b2", "b1", "y", 12, 36, 20, 2, false);
        if (alsoReturned) {
            g.outputs().add(ValueInfo.of("b1", DType.FLOAT, -1, 12, 10, 10));
        }
        Model m = new Model(g);
        m.opsets().put("", 17L);
        return m;
    }

    private static void block(Graph g, Random r, String name, String in, String out, int c, int hidden, int cOut,
            int stride, boolean residual) {
        conv(g, r, name + "_expand", in, name + "_e", hidden, c, 1, 1, 0, 1);
        relu6(g, name + "_e", name + "_e6");
        conv(g, r, name + "_dw", name + "_e6", name + "_d", hidden, 1, 3, stride, 1, hidden);
        relu6(g, name + "_d", name + "_d6");
        conv(g, r, name + "_project", name + "_d6", residual ? name + "_p" : out, cOut, hidden, 1, 1, 0, 1);
        if (residual) {
            g.addNode(new Node("Add", name + "_add", new ArrayList<>(List.of(name + "_p", in)),
                    new ArrayList<>(List.of(out))));
        }
    }

    private static void conv(Graph g, Random r, String name, String in, String out, int m, int cg, int k, int stride,
            int pad, int group) {
        g.setInitializer(name + "_w", ResidualFusionTest.randomFloats(r, m, cg, k, k));
        g.setInitializer(name + "_b", ResidualFusionTest.randomFloats(r, m));
        Node n = new Node("Conv", name, new ArrayList<>(List.of(in, name + "_w", name + "_b")),
                new ArrayList<>(List.of(out)));
        n.set(Attribute.ofInts("kernel_shape", k, k)).set(Attribute.ofInts("strides", stride, stride))
                .set(Attribute.ofInts("pads", pad, pad, pad, pad)).set(Attribute.ofInt("group", group));
        g.addNode(n);
    }

    private static void relu6(Graph g, String in, String out) {
        g.addNode(new Node("Clip", out, new ArrayList<>(List.of(in, "lo", "hi")), new ArrayList<>(List.of(out))));
    }

    private static List<String> ops(Model m) {
        return QdqFusion.forExecution(m).graph().nodes().stream().map(Node::opType).sorted().toList();
    }

    @Test
    void inverseResidualBlocksRunOnBlocks() {
        assertEquals(List.of("BlockedConv", "BlockedConv", "BlockedConv", "BlockedConv", "BlockedConv", "BlockedConv",
                "Conv", "FromBlocks", "ToBlocks"), ops(network(false)));
        // The first block's output also leaves the group: one more conversion back.
        assertEquals(List.of("BlockedConv", "BlockedConv", "BlockedConv", "BlockedConv", "BlockedConv", "BlockedConv",
                "Conv", "FromBlocks", "FromBlocks", "ToBlocks"), ops(network(true)));
    }

    @Test
    void blockedGraphGivesTheNchwOutputs() {
        int threadsBefore = Parallel.threads();
        try {
            for (boolean alsoReturned : new boolean[] {false, true}) {
                Model m = network(alsoReturned);
                // One image splits the work across positions and rows; three split across images.
                Tensor x = ResidualFusionTest.randomFloats(new Random(11), alsoReturned ? 1 : 3, 3, 10, 10);
                Map<String, Tensor> expected = new Executor(m).run(Map.of("x", x));
                for (int threads : new int[] {1, 2, 3}) {
                    Parallel.setThreads(threads);
                    Map<String, Tensor> actual = new JavaEngine(m).run(Map.of("x", x));
                    for (String name : alsoReturned ? List.of("y", "b1") : List.of("y")) {
                        Tensor e = expected.get(name), a = actual.get(name);
                        assertEquals(List.of(e.shape()[0], e.shape()[1], e.shape()[2], e.shape()[3]),
                                List.of(a.shape()[0], a.shape()[1], a.shape()[2], a.shape()[3]), name);
                        for (int i = 0; i < e.size(); i++) {
                            float v = e.floats()[i];
                            assertEquals(v, a.floats()[i], 1e-4f * (1 + Math.abs(v)), name + " threads " + threads
                                    + " element " + i);
                        }
                    }
                }
            }
        } finally {
            Parallel.setThreads(threadsBefore);
        }
    }

    /** A classifier head: the last block's output only feeds a GlobalAveragePool, which reads the blocks. */
    @Test
    void globalAveragePoolReadsTheBlocks() {
        Model m = network(false);
        Graph g = m.graph();
        g.outputs().clear();
        g.outputs().add(ValueInfo.of("p", DType.FLOAT, -1, 20, 1, 1));
        g.addNode(new Node("GlobalAveragePool", "gap", new ArrayList<>(List.of("y")), new ArrayList<>(List.of("p"))));
        assertEquals(List.of("BlockedConv", "BlockedConv", "BlockedConv", "BlockedConv", "BlockedConv", "BlockedConv",
                "Conv", "GlobalAveragePoolBlocks", "ToBlocks"), ops(m));
        Tensor x = ResidualFusionTest.randomFloats(new Random(12), 2, 3, 10, 10);
        Tensor e = new Executor(m).run(Map.of("x", x)).get("p"), a = new JavaEngine(m).run(Map.of("x", x)).get("p");
        assertEquals(List.of(2, 20, 1, 1), List.of(a.shape()[0], a.shape()[1], a.shape()[2], a.shape()[3]));
        for (int i = 0; i < e.size(); i++) {
            assertEquals(e.floats()[i], a.floats()[i], 1e-4f * (1 + Math.abs(e.floats()[i])), "channel " + i);
        }
    }

    /**
     * A depthwise output that other ops read too (here the graph; in MobileNetV3 a squeeze-and-
     * excitation pool and Mul) keeps its Conv on NCHW; the next block still runs on blocks.
     */
    @Test
    void depthwiseReadElsewhereStaysOnNchw() {
        Model m = network(false);
        m.graph().outputs().add(ValueInfo.of("b1_d6", DType.FLOAT, -1, 44, 10, 10));
        Model fused = QdqFusion.forExecution(m);
        Node dw = fused.graph().nodes().stream().filter(n -> n.name().equals("b1_dw")).findFirst().orElseThrow();
        assertEquals("Conv", dw.opType());
        assertEquals(4, fused.graph().nodes().stream().filter(n -> n.opType().equals("BlockedConv")).count());
        Tensor x = ResidualFusionTest.randomFloats(new Random(13), 2, 3, 10, 10);
        Map<String, Tensor> expected = new Executor(m).run(Map.of("x", x)), actual = new JavaEngine(m).run(Map.of("x", x));
        for (String name : List.of("y", "b1_d6")) {
            for (int i = 0; i < expected.get(name).size(); i++) {
                float v = expected.get(name).floats()[i];
                assertEquals(v, actual.get(name).floats()[i], 1e-4f * (1 + Math.abs(v)), name + " element " + i);
            }
        }
    }

    @Test
    void aLoneOneByOneConvStaysOnNchw() {
        Random r = new Random(1);
        Graph g = new Graph("lone");
        g.inputs().add(ValueInfo.of("x", DType.FLOAT, -1, 8, 6, 6));
        g.outputs().add(ValueInfo.of("y", DType.FLOAT, -1, 16, 6, 6));
        conv(g, r, "c", "x", "y", 16, 8, 1, 1, 0, 1);
        Model m = new Model(g);
        m.opsets().put("", 17L);
        assertEquals(List.of("Conv"), ops(m));
    }
}
