package dev.lowbit.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lowbit.LowbitException;
import dev.lowbit.exec.OpRegistry;
import dev.lowbit.UnsupportedOpException;
import dev.lowbit.onnx.Graph;
import dev.lowbit.onnx.Model;
import dev.lowbit.onnx.ModelIO;
import dev.lowbit.onnx.Node;
import dev.lowbit.onnx.ValueInfo;
import dev.lowbit.onnxruntime.OnnxRuntimeEngine;
import dev.lowbit.tensor.DType;
import dev.lowbit.tensor.Tensor;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EngineTest {
    @TempDir
    Path dir;

    /** y = Relu(x + b), x: float[N,4], b an initializer. */
    static Model addRelu() {
        Graph g = new Graph("add_relu");
        g.inputs().add(new ValueInfo("x", DType.FLOAT, List.of(ValueInfo.Dim.symbolic("N"), ValueInfo.Dim.of(4))));
        g.outputs().add(new ValueInfo("y", DType.FLOAT, List.of(ValueInfo.Dim.symbolic("N"), ValueInfo.Dim.of(4))));
        g.setInitializer("b", Tensor.of(new float[] {0.5f, -1, 2, -3}, 4));
        g.addNode(new Node("Add", "add", List.of("x", "b"), List.of("s")));
        g.addNode(new Node("Relu", "relu", List.of("s"), List.of("y")));
        Model m = new Model(g);
        m.opsets().put("", 17L);
        return m;
    }

    /** y = Identity(x) for one element type: exercises the Tensor <-> OnnxTensor copies. */
    static Model identity(DType type) {
        Graph g = new Graph("id");
        g.inputs().add(ValueInfo.of("x", type, 2, -1));
        g.outputs().add(ValueInfo.of("y", type, 2, -1));
        g.addNode(new Node("Identity", "id", List.of("x"), List.of("y")));
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
    void onnxRuntimeComputesAddRelu() {
        Tensor x = randomFloats(new Random(1), 3, 4);
        try (Engine ort = OnnxRuntimeEngine.builder().threads(1).build(addRelu())) {
            assertEquals("onnxruntime", ort.name());
            assertEquals(List.of("x"), ort.inputNames());
            assertEquals("float[N,4]", ort.inputs().get(0).describe());
            assertEquals(List.of("y"), ort.outputNames());
            float[] y = ort.run(Map.of("x", x)).get("y").floats();
            float[] b = {0.5f, -1, 2, -3};
            for (int i = 0; i < y.length; i++) {
                assertEquals(Math.max(0, x.floats()[i] + b[i % 4]), y[i], 0f);
            }
        }
    }

    @Test
    void javaEngineMatchesOnnxRuntimeOrReportsUnsupportedOp() {
        Model m = addRelu();
        OpRegistry reg = OpRegistry.standard();
        if (!reg.supports("", "Add") || !reg.supports("", "Relu")) {
            // Ops not merged into this branch yet: the engine must refuse cleanly at load time.
            UnsupportedOpException e = assertThrows(UnsupportedOpException.class, () -> new JavaEngine(m));
            assertTrue(e.getMessage().contains("unsupported op"), e.getMessage());
            assertFalse(e.getMessage().contains("\n"));
            return;
        }
        Tensor x = randomFloats(new Random(2), 5, 4);
        try (Engine java = new JavaEngine(m); Engine ort = OnnxRuntimeEngine.builder().threads(1).build(m)) {
            assertEquals(ort.inputNames(), java.inputNames());
            assertEquals(ort.outputNames(), java.outputNames());
            assertArrayEquals(ort.run(Map.of("x", x)).get("y").floats(), java.run(Map.of("x", x)).get("y").floats(), 1e-6f);
        }
    }

    /** Scalar reference Add (last-axis broadcast of a 1-D b) and Relu, to test the engine plumbing alone. */
    static OpRegistry referenceAddRelu() {
        OpRegistry r = new OpRegistry();
        r.register("Add", ctx -> in -> {
            Tensor a = in[0];
            Tensor b = in[1];
            float[] out = new float[a.size()];
            for (int i = 0; i < out.length; i++) {
                out[i] = a.floats()[i] + b.floats()[i % b.size()];
            }
            return new Tensor[] {Tensor.of(out, a.shape())};
        });
        r.register("Relu", ctx -> in -> {
            float[] out = in[0].floats().clone();
            for (int i = 0; i < out.length; i++) {
                out[i] = Math.max(0, out[i]);
            }
            return new Tensor[] {Tensor.of(out, in[0].shape())};
        });
        return r;
    }

    @Test
    void javaEngineWithCustomRegistryMatchesOnnxRuntime() {
        Model m = addRelu();
        Tensor x = randomFloats(new Random(4), 6, 4);
        try (Engine java = new JavaEngine(m, referenceAddRelu(), 1); Engine ort = OnnxRuntimeEngine.builder().threads(1).build(m)) {
            assertEquals("java", java.name());
            assertEquals(ort.inputs().get(0).describe(), java.inputs().get(0).describe());
            assertEquals(ort.outputs().get(0).describe(), java.outputs().get(0).describe());
            assertArrayEquals(ort.run(Map.of("x", x)).get("y").floats(), java.run(Map.of("x", x)).get("y").floats(), 0f);
            LowbitException wrong = assertThrows(LowbitException.class, () -> java.run(Map.of("x", Tensor.of(new float[] {1}, 1, 1))));
            assertTrue(wrong.getMessage().contains("input 'x' expects float[N,4]"), wrong.getMessage());
        }
    }

    @Test
    void unknownOpIsAOneLineErrorNamingTheFile() {
        Model m = identity(DType.FLOAT);
        m.graph().nodes().get(0).setOpType("NoSuchOp");
        Path f = dir.resolve("m.onnx");
        ModelIO.save(m, f);
        UnsupportedOpException e = assertThrows(UnsupportedOpException.class, () -> Engines.open(f, "java", 1));
        assertTrue(e.getMessage().startsWith(f + ": "), e.getMessage());
        assertTrue(e.getMessage().contains("NoSuchOp"), e.getMessage());
    }

    @Test
    void everyConvertibleTypeSurvivesOnnxRuntime() {
        Random r = new Random(3);
        DType[] types = {DType.FLOAT, DType.DOUBLE, DType.INT8, DType.UINT8, DType.INT16, DType.INT32,
            DType.INT64, DType.BOOL, DType.FLOAT16};
        for (DType d : types) {
            Tensor x = Tensor.zeros(d, 2, 3);
            for (int i = 0; i < x.size(); i++) {
                if (d.isFloatingPoint()) {
                    x.setDouble(i, r.nextGaussian());
                } else {
                    x.setLong(i, r.nextLong());
                }
            }
            try (Engine ort = OnnxRuntimeEngine.builder().build(identity(d))) {
                assertEquals(d, ort.inputs().get(0).type());
                Tensor y = ort.run(Map.of("x", x)).get("y");
                assertEquals(d, y.dtype(), d.toString());
                assertArrayEquals(x.shapeRef(), y.shapeRef());
                for (int i = 0; i < x.size(); i++) {
                    assertEquals(x.getDouble(i), y.getDouble(i), 0.0, d + " element " + i);
                }
            }
        }
    }

    @Test
    void openByNameFromFileAndBadNames() {
        Path f = dir.resolve("m.onnx");
        ModelIO.save(addRelu(), f);
        try (Engine e = Engines.open(f, "onnxruntime", 1)) {
            assertEquals(List.of("x"), e.inputNames());
        }
        assertTrue(assertThrows(LowbitException.class, () -> Engines.open(f, "tensorflow", 1)).getMessage()
                .contains("unknown engine 'tensorflow'"));
        Path missing = dir.resolve("missing.onnx");
        assertEquals(missing + ": no such model file",
                assertThrows(LowbitException.class, () -> Engines.open(missing, "onnxruntime", 1)).getMessage());
        assertEquals(missing + ": no such model file",
                assertThrows(LowbitException.class, () -> Engines.open(missing, "java", 1)).getMessage());
    }

    @Test
    void onnxRuntimeReportsMissingAndMismatchedInputsOnOneLine() {
        try (Engine ort = OnnxRuntimeEngine.builder().build(addRelu())) {
            LowbitException missing = assertThrows(LowbitException.class, () -> ort.run(Map.of()));
            assertTrue(missing.getMessage().contains("missing input 'x'"));
            LowbitException wrong = assertThrows(LowbitException.class,
                    () -> ort.run(Map.of("x", Tensor.of(new long[] {1, 2}, 2))));
            assertFalse(wrong.getMessage().contains("\n"), wrong.getMessage());
        }
    }

    @Test
    void randomInputsUseBatchOverridesAndSeed() {
        List<ValueInfo> ins = List.of(
                new ValueInfo("img", DType.FLOAT, List.of(ValueInfo.Dim.symbolic("batch"), ValueInfo.Dim.of(3),
                        ValueInfo.Dim.symbolic("h"), ValueInfo.Dim.symbolic("w"))),
                ValueInfo.of("ids", DType.INT64, -1, 7));
        Map<String, Tensor> a = RandomInputs.generate(ins, 4, Map.of(), 9);
        assertArrayEquals(new int[] {4, 3, 1, 1}, a.get("img").shapeRef());
        assertArrayEquals(new int[] {4, 7}, a.get("ids").shapeRef());
        Map<String, Tensor> b = RandomInputs.generate(ins, 4, Map.of("img", new int[] {2, 3, 8, 8}), 9);
        assertArrayEquals(new int[] {2, 3, 8, 8}, b.get("img").shapeRef());
        assertArrayEquals(a.get("img").floats(), RandomInputs.generate(ins, 4, Map.of(), 9).get("img").floats());
        for (long v : a.get("ids").longs()) {
            assertTrue(v >= 0 && v < 10);
        }
        assertThrows(LowbitException.class, () -> RandomInputs.generate(ins, 1, Map.of("img", new int[] {1, 4, 8, 8}), 1));
        // A transformer's inputs: symbolic sequence axes become SEQUENCE_LENGTH tokens, masks are ones, type ids zeros.
        List<ValueInfo> text = List.of(ValueInfo.of("input_ids", DType.INT64, -1, -1),
                ValueInfo.of("attention_mask", DType.INT64, -1, -1), ValueInfo.of("token_type_ids", DType.INT64, -1, -1));
        Map<String, Tensor> t = RandomInputs.generate(text, 2, Map.of(), 3);
        assertArrayEquals(new int[] {2, RandomInputs.SEQUENCE_LENGTH}, t.get("input_ids").shapeRef());
        assertTrue(java.util.Arrays.stream(t.get("attention_mask").longs()).allMatch(v -> v == 1));
        assertTrue(java.util.Arrays.stream(t.get("token_type_ids").longs()).allMatch(v -> v == 0));
        assertTrue(java.util.Arrays.stream(t.get("input_ids").longs()).distinct().count() > 1);
        assertArrayEquals(new int[] {1, 3, 224, 224}, RandomInputs.parseDims("1x3x224x224"));
        assertThrows(LowbitException.class, () -> RandomInputs.parseDims("1xax2"));
    }
}
