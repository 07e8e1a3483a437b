package dev.lowbit.exec;

import dev.lowbit.UnsupportedOpException;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lowbit.LowbitException;
import dev.lowbit.onnx.Attribute;
import dev.lowbit.onnx.Graph;
import dev.lowbit.onnx.Model;
import dev.lowbit.onnx.ModelIO;
import dev.lowbit.onnx.Node;
import dev.lowbit.onnx.ValueInfo;
import dev.lowbit.tensor.DType;
import dev.lowbit.tensor.Tensor;
import dev.lowbit.testutil.Ort;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ShapeInferenceTest {
    @TempDir
    Path dir;

    /**
     * Trivial test-only ops, so these tests do not depend on the real kernels: TRelu (float max 0),
     * TFlatten ([d0, rest]), TConcatSelf (x twice along axis 0), TShape (int64 shape) and TNeeds8
     * (identity that rejects a dim 2 smaller than 8, like a kernel larger than its input).
     */
    private static OpRegistry testOps() {
        return new OpRegistry()
                .register("TRelu", ctx -> in -> {
                    float[] x = in[0].floats();
                    float[] y = new float[x.length];
                    for (int i = 0; i < x.length; i++) {
                        y[i] = Math.max(0f, x[i]);
                    }
                    return new Tensor[] {Tensor.of(y, in[0].shape())};
                })
                .register("TFlatten", ctx -> in -> new Tensor[] {
                        in[0].reshape(in[0].dim(0), in[0].size() / Math.max(1, in[0].dim(0)))})
                .register("TConcatSelf", ctx -> in -> {
                    float[] x = in[0].floats();
                    float[] y = new float[2 * x.length];
                    System.arraycopy(x, 0, y, 0, x.length);
                    System.arraycopy(x, 0, y, x.length, x.length);
                    int[] shape = in[0].shape();
                    shape[0] *= 2;
                    return new Tensor[] {Tensor.of(y, shape)};
                })
                .register("TShape", ctx -> in -> new Tensor[] {
                        Tensor.of(java.util.Arrays.stream(in[0].shapeRef()).asLongStream().toArray(), in[0].rank())})
                .register("TNeeds8", ctx -> in -> {
                    if (in[0].dim(2) < 8) {
                        throw new LowbitException("input height " + in[0].dim(2) + " is smaller than the 8x8 kernel");
                    }
                    return new Tensor[] {in[0]};
                });
    }

    private static Model model(List<ValueInfo> inputs, List<String> outputs, Node... nodes) {
        Graph g = new Graph("g");
        g.inputs().addAll(inputs);
        for (String o : outputs) {
            g.outputs().add(new ValueInfo(o, null, null));
        }
        for (Node n : nodes) {
            g.addNode(n);
        }
        Model m = new Model(g);
        m.opsets().put("", 13L);
        return m;
    }

    private static ValueInfo input(String name, DType type, String... dims) {
        return new ValueInfo(name, type, java.util.Arrays.stream(dims)
                .map(d -> d.matches("\\d+") ? ValueInfo.Dim.of(Long.parseLong(d)) : ValueInfo.Dim.symbolic(d.equals("?") ? "" : d))
                .toList());
    }

    private static Node node(String op, List<String> in, String out) {
        return new Node(op, out + "_node", in, List.of(out));
    }

    /** x float[N,3,4] -> TRelu r -> TFlatten f -> TConcatSelf c; TShape(x) s. */
    private static Model chain() {
        return model(List.of(input("x", DType.FLOAT, "N", "3", "4")), List.of("c", "s"),
                node("TRelu", List.of("x"), "r"),
                node("TFlatten", List.of("r"), "f"),
                node("TConcatSelf", List.of("f"), "c"),
                node("TShape", List.of("x"), "s"));
    }

    private static Map<String, String> described(Map<String, ValueInfo> infos) {
        Map<String, String> out = new java.util.LinkedHashMap<>();
        infos.forEach((k, v) -> out.put(k, v.describe()));
        return out;
    }

    @Test
    void namedBatchAxisFollowsThroughAndDerivedDimsAreUnknown() {
        Map<String, ValueInfo> infos = ShapeInference.infer(chain(), testOps());
        assertEquals(Map.of("r", "float[N,3,4]", "f", "float[N,12]", "c", "float[?,12]", "s", "int64[3]"),
                described(infos));
        assertEquals(List.of("r", "f", "c", "s"), List.copyOf(infos.keySet()), "execution order");
    }

    @Test
    void distinctSymbolsStayDistinctAndUnnamedOnesStayUnnamed() {
        Model m = model(List.of(input("x", DType.FLOAT, "B", "T"), input("y", DType.FLOAT, "T", "B"),
                input("z", DType.FLOAT, "?", "5", "?")), List.of("a", "b", "c"),
                node("TRelu", List.of("x"), "a"),
                node("TRelu", List.of("y"), "b"),
                node("TRelu", List.of("z"), "c"));
        assertEquals(Map.of("a", "float[B,T]", "b", "float[T,B]", "c", "float[?,5,?]"),
                described(ShapeInference.infer(m, testOps())));
    }

    @Test
    void concreteSizesFixTheDimsThatFollowThem() {
        Map<String, ValueInfo> infos = ShapeInference.infer(chain(), testOps(), Map.of("N", 5));
        assertEquals(Map.of("r", "float[5,3,4]", "f", "float[5,12]", "c", "float[10,12]", "s", "int64[3]"),
                described(infos));
    }

    @Test
    void retriesWithLargerProbesWhenTheModelRejectsSmallOnes() {
        Model m = model(List.of(input("x", DType.FLOAT, "N", "1", "H", "W")), List.of("y"),
                node("TNeeds8", List.of("x"), "y"));
        assertEquals("float[N,1,H,W]", ShapeInference.infer(m, testOps()).get("y").describe());
    }

    @Test
    void failingProbesAskForConcreteSizesInOneLine() {
        Model m = model(List.of(input("x", DType.FLOAT, "N", "1", "H", "W")), List.of("y"),
                node("TNeeds8", List.of("x"), "y"));
        LowbitException e = assertThrows(LowbitException.class, () -> ShapeInference.infer(m, testOps(), Map.of("H", 4)));
        assertTrue(e.getMessage().contains("concrete sizes") && e.getMessage().contains("smaller than"), e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
        assertEquals("float[N,1,9,W]", ShapeInference.infer(m, testOps(), Map.of("H", 9)).get("y").describe());
    }

    @Test
    void annotateFillsValueInfosAndUndeclaredOutputsAndSurvivesSaving() {
        Model m = chain();
        m.graph().outputs().set(1, ValueInfo.of("s", DType.INT64, 3)); // declared: kept as is
        ShapeInference.annotate(m, testOps(), Map.of());
        assertEquals(List.of("r", "f"), List.copyOf(m.graph().valueInfos().keySet()));
        assertEquals("float[?,12]", m.graph().outputs().get(0).describe());
        Path f = dir.resolve("annotated.onnx");
        ModelIO.save(m, f);
        Model back = ModelIO.load(f);
        assertEquals("float[N,12]", back.graph().valueInfos().get("f").describe());
        assertEquals("float[N,3,4]", back.graph().valueInfos().get("r").describe());
        assertEquals("int64[3]", back.graph().outputs().get(1).describe());
    }

    @Test
    void inputWithoutTypeIsAOneLineError() {
        Model m = model(List.of(new ValueInfo("x", null, null)), List.of("r"), node("TRelu", List.of("x"), "r"));
        LowbitException e = assertThrows(LowbitException.class, () -> ShapeInference.infer(m, testOps()));
        assertTrue(e.getMessage().contains("'x'"), e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
    }

    @Test
    void unsupportedOpIsReportedNotGuessed() {
        Model m = model(List.of(input("x", DType.FLOAT, "N")), List.of("y"), node("NoSuchOp", List.of("x"), "y"));
        assertThrows(UnsupportedOpException.class, () -> ShapeInference.infer(m, testOps()));
    }

    /**
     * The real kernels: Conv, Relu, Add, Reshape. Needs the op branches (Conv etc.), and checks the
     * annotated model still loads and runs in ONNX Runtime with the same output shapes.
     */
    @Test
    @Tag("needs-ops")
    void convReluAddReshapeWithStandardOps() {
        Random rnd = new Random(7);
        float[] w = new float[4 * 1 * 3 * 3];
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) rnd.nextGaussian();
        }
        Graph g = new Graph("conv");
        g.inputs().add(input("x", DType.FLOAT, "N", "1", "8", "8"));
        g.setInitializer("w", Tensor.of(w, 4, 1, 3, 3));
        g.setInitializer("flat", Tensor.of(new long[] {-1, 256}, 2));
        g.setInitializer("keep0", Tensor.of(new long[] {0, -1}, 2));
        g.setInitializer("all", Tensor.of(new long[] {-1}, 1));
        Node conv = new Node("Conv", "conv", List.of("x", "w"), List.of("c"));
        conv.set(Attribute.ofInts("pads", 1, 1, 1, 1));
        g.addNode(conv);
        g.addNode(new Node("Relu", "relu", List.of("c"), List.of("r")));
        g.addNode(new Node("Add", "add", List.of("r", "c"), List.of("a")));
        g.addNode(new Node("Reshape", "reshape", List.of("a", "flat"), List.of("y")));
        g.addNode(new Node("Reshape", "reshape0", List.of("a", "keep0"), List.of("y0")));
        g.addNode(new Node("Reshape", "reshapeAll", List.of("a", "all"), List.of("v")));
        for (String o : List.of("y", "y0", "v")) {
            g.outputs().add(new ValueInfo(o, null, null));
        }
        Model m = new Model(g);
        m.opsets().put("", 13L);
        ShapeInference.annotate(m);
        assertEquals("float[N,4,8,8]", g.valueInfos().get("c").describe());
        assertEquals("float[N,4,8,8]", g.valueInfos().get("r").describe());
        assertEquals("float[N,4,8,8]", g.valueInfos().get("a").describe());
        assertEquals("float[N,256]", g.outputs().get(0).describe());
        assertEquals("float[N,256]", g.outputs().get(1).describe());
        assertEquals("float[?]", g.outputs().get(2).describe());

        byte[] bytes = ModelIO.toProto(m).toByteArray();
        Map<String, Tensor> ort = Ort.run(bytes, Map.of("x", Tensor.zeros(DType.FLOAT, 3, 1, 8, 8)));
        assertEquals(List.of(3, 256), java.util.Arrays.stream(ort.get("y").shape()).boxed().toList());
        assertEquals(List.of(3 * 256), java.util.Arrays.stream(ort.get("v").shape()).boxed().toList());
    }
}
