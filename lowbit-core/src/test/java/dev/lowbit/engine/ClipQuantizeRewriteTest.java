package dev.lowbit.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lowbit.exec.Executor;
import dev.lowbit.exec.OpRegistry;
import dev.lowbit.onnx.Graph;
import dev.lowbit.onnx.Model;
import dev.lowbit.onnx.Node;
import dev.lowbit.onnx.ValueInfo;
import dev.lowbit.tensor.DType;
import dev.lowbit.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Clip -> QuantizeLinear runs as QuantizeLinear -> clamp on bytes: the same bytes for every input,
 * including values on and around the clip bounds and the quantization steps' midpoints.
 */
class ClipQuantizeRewriteTest {
    @ParameterizedTest
    @CsvSource({"0.0, 6.5518875, true, 0", "-0.80301589, 2.0298457, true, 36", "-1.0, 1.0, false, 3",
            "-100.0, 100.0, true, 10", "0.0, 6.5518875, false, -128"})
    void clampAfterQuantizeEqualsClipBefore(float lo, float hi, boolean unsigned, int zeroPoint) {
        float scale = 0.05158966f;
        Model m = chain(lo, hi, scale, unsigned, zeroPoint);
        Model fused = QdqFusion.forExecution(m);
        assertTrue(fused.graph().nodes().stream().noneMatch(n -> n.opType().equals("Clip")), "clip moved: "
                + fused.graph().nodes());
        float[] x = new float[4001];
        for (int i = 0; i < x.length; i++) {
            x[i] = (i - 2000) * (scale / 8); // every half step is hit exactly or closely
        }
        x[0] = lo;
        x[1] = hi;
        x[2] = Math.nextUp(hi);
        x[3] = Math.nextDown(lo);
        Tensor in = Tensor.of(x, 1, x.length);
        float[] expected = new Executor(m).run(Map.of("x", in)).get("y").floats();
        float[] actual = new JavaEngine(m).run(Map.of("x", in)).get("y").floats();
        assertArrayEquals(expected, actual);
        assertEquals(expected.length, x.length);
    }

    /** ReLU6 then the 7-bit range, two Clips before one QuantizeLinear: both move, as one clamp. */
    @Test
    void twoClipsInARowBecomeOneClamp() {
        float scale = 0.05158966f;
        Model m = chain(0f, 6f, scale, true, 0);
        Graph g = m.graph();
        g.setInitializer("lo2", Tensor.scalar(-1f));
        g.setInitializer("hi2", Tensor.scalar(127 * scale * 0.6f));
        Node q = g.consumers("c").get(0);
        g.insertBefore(q, node("Clip", List.of("c", "lo2", "hi2"), "c2"));
        q.inputs().set(0, "c2");
        Model fused = QdqFusion.forExecution(m);
        List<String> ops = fused.graph().nodes().stream().map(Node::opType).toList();
        assertTrue(!ops.contains("Clip") && !ops.contains("ClampQuantized"), "no clip or clamp left: " + ops);
        Node quantize = fused.graph().nodes().stream().filter(n -> n.opType().equals("QuantizeLinear")).findFirst()
                .orElseThrow();
        assertEquals(0, quantize.getInt(OpRegistry.CLAMP_LOW, -1), "one clamp, folded into the QuantizeLinear");
        assertEquals(Math.round(127 * 0.6f), quantize.getInt(OpRegistry.CLAMP_HIGH, -1));
        float[] x = new float[4001];
        for (int i = 0; i < x.length; i++) {
            x[i] = (i - 2000) * (scale / 8);
        }
        Tensor in = Tensor.of(x, 1, x.length);
        assertArrayEquals(new Executor(m).run(Map.of("x", in)).get("y").floats(),
                new JavaEngine(m).run(Map.of("x", in)).get("y").floats());
    }

    /** Without the generic backend's mark the Clip stays where ONNX Runtime keeps it. */
    @ParameterizedTest
    @CsvSource({"0.0, 6.5518875"})
    void otherModelsKeepTheirClips(float lo, float hi) {
        Model m = chain(lo, hi, 0.05158966f, true, 0);
        m.metadata().remove(ClipQuantizeRewrite.BACKEND_KEY);
        assertTrue(QdqFusion.forExecution(m).graph().nodes().stream().anyMatch(n -> n.opType().equals("Clip")));
    }

    /**
     * The 7-bit activation of a generic-backend export, DQ -> Conv -> Relu -> Clip(0, 127 s) -> Q(s, 0):
     * the Conv becomes a QLinearConv that saturates to [0, 127] itself (the clamp folded in); its
     * output is the same QLinearConv's full-range output clamped to [0, 127].
     */
    @Test
    void clampFoldsIntoTheQLinearConv() {
        QdqGraphBuilder b = new QdqGraphBuilder(DType.UINT8, 4);
        String x = b.qdq(b.input("x", 2, 3, 8, 8), 0.03f, 0);
        float s = 0.011f;
        String clipped = b.node("Clip", List.of(b.node("Relu", List.of(b.conv(x, 3, 8, 1))), b.floats(0f), b.floats(127 * s)));
        Model m = b.model(b.qdq(clipped, s, 0));
        m.metadata().put(ClipQuantizeRewrite.BACKEND_KEY, ClipQuantizeRewrite.GENERIC);
        Model fused = QdqFusion.forExecution(m);
        Node conv = fused.graph().nodes().stream().filter(n -> n.opType().equals("QLinearConv")).findFirst().orElseThrow();
        assertEquals(0, conv.getInt(OpRegistry.CLAMP_LOW, -1));
        assertEquals(127, conv.getInt(OpRegistry.CLAMP_HIGH, -1));
        assertTrue(fused.graph().nodes().stream().noneMatch(n -> n.opType().equals("ClampQuantized")), "clamp folded");
        Map<String, Tensor> feed = Map.of("x", b.floats(-2f, 4f, 2, 3, 8, 8));
        String out = fused.graph().outputs().get(0).name();
        float[] folded = new Executor(fused).run(feed).get(out).floats();
        conv.attributes().remove(OpRegistry.CLAMP_LOW);
        conv.attributes().remove(OpRegistry.CLAMP_HIGH);
        float[] full = new Executor(fused).run(feed).get(out).floats();
        float high = 127 * s;
        boolean saturated = false;
        for (int i = 0; i < full.length; i++) {
            float expected = Math.min(full[i], (float) (127 - 0) * s);
            saturated |= full[i] > expected;
            assertEquals(expected, folded[i], 0f, "at " + i);
        }
        assertTrue(saturated && high > 0, "some outputs were above 127 steps, so the clamp mattered");
    }

    /**
     * A residual Add clipped to the 7-bit range, DQ, DQ -> Add -> Clip(0, 127 s) -> Q(s, 0): the Add
     * becomes a QLinearAdd that saturates to [0, 127] itself; its output equals the full-range
     * QLinearAdd's clamped to [0, 127], for inputs that push some sums past it.
     */
    @Test
    void clampFoldsIntoTheQLinearAdd() {
        QdqGraphBuilder b = new QdqGraphBuilder(DType.UINT8, 6);
        String x = b.qdq(b.input("x", 2, 3, 9, 7), 0.03f, 100);
        String y = b.qdq(b.input("y", 2, 3, 9, 7), 0.02f, 90);
        float s = 0.011f;
        Model m = b.model(b.qdq(b.node("Clip", List.of(b.node("Add", List.of(x, y)), b.floats(0f), b.floats(127 * s))), s, 0));
        m.metadata().put(ClipQuantizeRewrite.BACKEND_KEY, ClipQuantizeRewrite.GENERIC);
        Model fused = QdqFusion.forExecution(m);
        Node add = fused.graph().nodes().stream().filter(n -> n.opType().equals("QLinearAdd")).findFirst().orElseThrow();
        assertEquals(0, add.getInt(OpRegistry.CLAMP_LOW, -1));
        assertEquals(127, add.getInt(OpRegistry.CLAMP_HIGH, -1));
        assertTrue(fused.graph().nodes().stream().noneMatch(n -> n.opType().equals("ClampQuantized")), "clamp folded");
        Map<String, Tensor> feed = Map.of("x", b.floats(-2f, 4f, 2, 3, 9, 7), "y", b.floats(-1f, 3f, 2, 3, 9, 7));
        String out = fused.graph().outputs().get(0).name();
        float[] folded = new Executor(fused).run(feed).get(out).floats();
        assertArrayEquals(new Executor(m).run(feed).get(out).floats(), folded, "the float graph's bytes");
        add.attributes().remove(OpRegistry.CLAMP_LOW);
        add.attributes().remove(OpRegistry.CLAMP_HIGH);
        float[] full = new Executor(fused).run(feed).get(out).floats();
        boolean saturated = false;
        for (int i = 0; i < full.length; i++) {
            float expected = Math.min(full[i], 127 * s);
            saturated |= full[i] > expected;
            assertEquals(expected, folded[i], 0f, "at " + i);
        }
        assertTrue(saturated, "some sums were above 127 steps, so the clamp mattered");
    }

    /** x -> Clip(lo, hi) -> Q -> DQ -> y. */
    private static Model chain(float lo, float hi, float scale, boolean unsigned, int zeroPoint) {
        Graph g = new Graph("clip");
        g.inputs().add(ValueInfo.of("x", DType.FLOAT, 1, 4001));
        g.outputs().add(ValueInfo.of("y", DType.FLOAT, 1, 4001));
        g.setInitializer("lo", Tensor.scalar(lo));
        g.setInitializer("hi", Tensor.scalar(hi));
        g.setInitializer("s", Tensor.scalar(scale));
        Tensor z = Tensor.zeros(unsigned ? DType.UINT8 : DType.INT8);
        z.bytes()[0] = (byte) zeroPoint;
        g.setInitializer("z", z);
        g.addNode(node("Clip", List.of("x", "lo", "hi"), "c"));
        g.addNode(node("QuantizeLinear", List.of("c", "s", "z"), "q"));
        g.addNode(node("DequantizeLinear", List.of("q", "s", "z"), "y"));
        Model m = new Model(g);
        m.opsets().put("", 17L);
        m.metadata().put(ClipQuantizeRewrite.BACKEND_KEY, ClipQuantizeRewrite.GENERIC);
        return m;
    }

    private static Node node(String op, List<String> inputs, String output) {
        return new Node(op, output, new ArrayList<>(inputs), new ArrayList<>(List.of(output)));
    }
}
