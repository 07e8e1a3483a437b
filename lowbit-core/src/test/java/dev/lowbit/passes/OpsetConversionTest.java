package dev.lowbit.passes;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lowbit.exec.Executor;
import dev.lowbit.onnx.Attribute;
import dev.lowbit.onnx.Graph;
import dev.lowbit.onnx.Model;
import dev.lowbit.onnx.ModelIO;
import dev.lowbit.onnx.Node;
import dev.lowbit.onnx.ValueInfo;
import dev.lowbit.tensor.DType;
import dev.lowbit.tensor.Tensor;
import dev.lowbit.testutil.Ort;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Graphs of opsets 9–11 converted to 13 compute what they computed: lowbit's engine runs the
 * original under its opset and the converted graph under 13, and ONNX Runtime runs the converted
 * file; all three agree.
 */
class OpsetConversionTest {
    /** x[2,3,4] -> Softmax(axis 1: flattens to [2,12] before 13) -> Unsqueeze/Squeeze(attr axes) -> Split(attr) -> Clip/ReduceSum. */
    private static Model oldGraph(int opset) {
        Graph g = new Graph("old");
        g.inputs().add(ValueInfo.of("x", DType.FLOAT, 2, 3, 4));
        g.outputs().add(ValueInfo.of("a", DType.FLOAT, 2, 2, 4));
        g.outputs().add(ValueInfo.of("b", DType.FLOAT, 2, 4));
        g.outputs().add(ValueInfo.of("c", DType.FLOAT, 2, 3, 8));
        g.addNode(new Node("Softmax", "sm", List.of("x"), List.of("s")).set(Attribute.ofInt("axis", 1)));
        g.addNode(new Node("Unsqueeze", "unsq", List.of("s"), List.of("u")).set(Attribute.ofInts("axes", 0)));
        g.addNode(new Node("Squeeze", "sq", List.of("u"), List.of("q")).set(Attribute.ofInts("axes", 0)));
        g.addNode(new Node("Split", "split", List.of("q"), List.of("s1", "s2")).set(Attribute.ofInt("axis", 1))
                .set(Attribute.ofInts("split", 2, 1)));
        g.addNode(new Node("LogSoftmax", "lsm", List.of("s1"), List.of("a")).set(Attribute.ofInt("axis", 2)));
        g.addNode(new Node("ReduceSum", "rs", List.of("s2"), List.of("b")).set(Attribute.ofInts("axes", 1))
                .set(Attribute.ofInt("keepdims", 0)));
        if (opset < 11) {
            g.addNode(new Node("Clip", "clip", List.of("x"), List.of("cl")).set(Attribute.ofFloat("min", -0.5f))
                    .set(Attribute.ofFloat("max", 0.5f)));
            g.addNode(new Node("Upsample", "up", List.of("cl", "scales"), List.of("c")).set(Attribute.ofString("mode", "nearest")));
            g.setInitializer("scales", Tensor.of(new float[] {1, 1, 2}, 3));
        } else {
            g.addNode(new Node("Clip", "clip", List.of("x", "lo", "hi"), List.of("cl")));
            g.setInitializer("lo", Tensor.scalar(-0.5f));
            g.setInitializer("hi", Tensor.scalar(0.5f));
            g.addNode(new Node("Concat", "cat", List.of("cl", "cl"), List.of("c")).set(Attribute.ofInt("axis", 2)));
        }
        Model m = new Model(g);
        m.opsets().put("", (long) opset);
        return m;
    }

    @Test
    void convertedGraphsComputeTheSame() {
        float[] x = new float[24];
        Random r = new Random(3);
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) r.nextGaussian() * 2;
        }
        Map<String, Tensor> feed = Map.of("x", Tensor.of(x, 2, 3, 4));
        for (int opset : new int[] {9, 11}) {
            Model old = oldGraph(opset);
            assertNull(OpsetConversion.refusal(old));
            Model conv = OpsetConversion.convert(old, Map.of("x", 3, "s1", 3));
            assertEquals(13, conv.opset());
            Map<String, Tensor> want = new Executor(old).run(feed);
            Map<String, Tensor> got = new Executor(conv).run(feed);
            Map<String, Tensor> ort = Ort.run(ModelIO.toProto(conv).toByteArray(), feed);
            for (String out : List.of("a", "b", "c")) {
                assertArrayEquals(want.get(out).shapeRef(), got.get(out).shapeRef(), opset + " " + out);
                assertArrayEquals(want.get(out).floats(), got.get(out).floats(), 1e-6f, opset + " " + out + " (lowbit)");
                assertArrayEquals(want.get(out).floats(), ort.get(out).floats(), 1e-5f, opset + " " + out + " (ORT)");
            }
            // Softmax over axis 1 of a rank-3 tensor meant the flattened [2, 12]: kept with Flatten/Reshape.
            assertTrue(conv.graph().nodes().stream().anyMatch(n -> n.opType().equals("Flatten")));
        }
    }

    @Test
    void refusesOpsWithoutAConversion() {
        Model m = oldGraph(11);
        m.graph().addNode(new Node("Scan", "scan", List.of("x"), List.of("z")));
        String why = OpsetConversion.refusal(m);
        assertNotNull(why);
        assertTrue(why.contains("Scan"), why);
    }
}
