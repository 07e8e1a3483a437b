package dev.lowbit.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lowbit.testutil.TestResources;
import dev.lowbit.data.Npy;
import dev.lowbit.onnx.Graph;
import dev.lowbit.onnx.Model;
import dev.lowbit.onnx.ModelIO;
import dev.lowbit.onnx.Node;
import dev.lowbit.onnx.ValueInfo;
import dev.lowbit.tensor.DType;
import dev.lowbit.tensor.Tensor;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import dev.lowbit.report.Json;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command line end to end through {@link Main#execute}: exit codes, messages, files. */
class CliTest {
    @TempDir
    Path dir;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private PrintStream oldOut;
    private PrintStream oldErr;

    @BeforeEach
    void capture() {
        oldOut = System.out;
        oldErr = System.err;
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @AfterEach
    void restore() {
        System.setOut(oldOut);
        System.setErr(oldErr);
    }

    private String stdout() {
        return out.toString(StandardCharsets.UTF_8);
    }

    private String stderr() {
        return err.toString(StandardCharsets.UTF_8);
    }

    /** y = Identity(x): runs on ONNX Runtime whatever ops this branch's engine has. */
    private Path identityModel() {
        Graph g = new Graph("id");
        g.inputs().add(new ValueInfo("x", DType.FLOAT, List.of(ValueInfo.Dim.symbolic("N"), ValueInfo.Dim.of(3))));
        g.outputs().add(new ValueInfo("y", DType.FLOAT, List.of(ValueInfo.Dim.symbolic("N"), ValueInfo.Dim.of(3))));
        g.setInitializer("unused", Tensor.of(new float[] {1, 2}, 2));
        g.addNode(new Node("Identity", "id", List.of("x"), List.of("y")));
        Model m = new Model(g);
        m.opsets().put("", 17L);
        Path f = dir.resolve("id.onnx");
        ModelIO.save(m, f);
        return f;
    }

    /** Asserts exit code 2 and a single "lowbit: PREFIX..." line on stderr. */
    private void assertOneLineError(int code, String prefix) {
        assertEquals(2, code, stderr());
        String e = stderr().strip();
        assertFalse(e.contains("\n"), e);
        assertTrue(e.startsWith("lowbit: " + prefix), e);
    }

    @Test
    void runWritesOutputs() throws Exception {
        Path model = identityModel();
        Path in = dir.resolve("in");
        Npy.write(in.resolve("x.npy"), Tensor.of(new float[] {1, -2, 3, 4, 5, -6}, 2, 3));
        Path o = dir.resolve("out");
        int code = Main.execute("run", model.toString(), "--inputs", in.toString(), "--outputs", o.toString(),
                "--engine", "onnxruntime", "--threads", "1", "--json");
        assertEquals(0, code, stderr());
        assertArrayEquals(new float[] {1, -2, 3, 4, 5, -6}, Npy.read(o.resolve("y.npy")).floats());
        assertTrue(stdout().contains("\"name\": \"y\""), stdout());

        Path pb = dir.resolve("out-pb");
        assertEquals(0, Main.execute("run", model.toString(), "--inputs", in.toString(), "--outputs", pb.toString(),
                "--engine", "onnxruntime", "--format", "pb"));
        assertTrue(Files.exists(pb.resolve("output_0.pb")));
    }

    @Test
    void runMissingModel() {
        Path o = dir.resolve("out");
        Path missing = dir.resolve("missing.onnx");
        assertOneLineError(Main.execute("run", missing.toString(), "--inputs", dir.toString(), "--outputs", o.toString()),
                missing + ": no such model file");
        assertFalse(Files.exists(o));
    }

    @Test
    void runCorruptModel() throws Exception {
        Path bad = dir.resolve("bad.onnx");
        Files.write(bad, new byte[] {8, 7, 0x12, (byte) 0xFF, 1, 2, 3});
        Path o = dir.resolve("out");
        for (String engine : List.of("java", "onnxruntime")) {
            err.reset();
            assertOneLineError(Main.execute("run", bad.toString(), "--inputs", dir.toString(), "--outputs", o.toString(),
                    "--engine", engine), bad + ": ");
            assertFalse(Files.exists(o));
        }
    }

    @Test
    void runMissingInputFile() throws Exception {
        Path model = identityModel();
        Path in = Files.createDirectories(dir.resolve("in"));
        Path o = dir.resolve("out");
        assertOneLineError(Main.execute("run", model.toString(), "--inputs", in.toString(), "--outputs", o.toString(),
                "--engine", "onnxruntime"), in.resolve("x.npy") + ": missing input file");
        assertFalse(Files.exists(o));
    }

    @Test
    void runUnparsableOrMismatchedNpy() throws Exception {
        Path model = identityModel();
        Path in = Files.createDirectories(dir.resolve("in"));
        Path o = dir.resolve("out");
        Files.writeString(in.resolve("x.npy"), "hello");
        assertOneLineError(Main.execute("run", model.toString(), "--inputs", in.toString(), "--outputs", o.toString(),
                "--engine", "onnxruntime"), in.resolve("x.npy") + ": ");
        assertFalse(Files.exists(o));

        err.reset();
        Npy.write(in.resolve("x.npy"), Tensor.of(new float[] {1, 2}, 1, 2));
        assertOneLineError(Main.execute("run", model.toString(), "--inputs", in.toString(), "--outputs", o.toString(),
                "--engine", "onnxruntime"), in.resolve("x.npy") + ": holds float[1,2], model input 'x' expects float[N,3]");
        assertFalse(Files.exists(o));
    }

    @Test
    void runUnsupportedOpOnJavaEngine() throws Exception {
        Path model = identityModel();
        Model m = ModelIO.load(model);
        m.graph().nodes().get(0).setOpType("NoSuchOp");
        ModelIO.save(m, model);
        Path in = dir.resolve("in");
        Npy.write(in.resolve("x.npy"), Tensor.of(new float[] {1, 2, 3}, 1, 3));
        Path o = dir.resolve("out");
        assertOneLineError(Main.execute("run", model.toString(), "--inputs", in.toString(), "--outputs", o.toString()),
                model + ": unsupported op NoSuchOp");
        assertFalse(Files.exists(o));
    }

    @Test
    void badFlagsExitTwoWithAHint() {
        int code = Main.execute("run", "--no-such-flag");
        assertEquals(2, code);
        List<String> lines = stderr().strip().lines().toList();
        assertEquals(2, lines.size(), stderr());
        assertTrue(lines.get(0).startsWith("lowbit: "), lines.get(0));
        assertEquals("Try 'lowbit run --help' for usage.", lines.get(1));

        err.reset();
        assertEquals(2, Main.execute("bench", identityModel().toString(), "--iters", "many"));
        assertTrue(stderr().startsWith("lowbit: "), stderr());

        err.reset();
        assertEquals(2, Main.execute("no-such-command"));
        assertTrue(stderr().startsWith("lowbit: "), stderr());
    }

    @Test
    void badEngineOrFormat() {
        Path model = identityModel();
        Path o = dir.resolve("out");
        assertOneLineError(Main.execute("run", model.toString(), "--inputs", dir.toString(), "--outputs", o.toString(),
                "--engine", "tpu"), "unknown engine 'tpu'");
        err.reset();
        assertOneLineError(Main.execute("run", model.toString(), "--inputs", dir.toString(), "--outputs", o.toString(),
                "--format", "csv"), "unknown tensor file format 'csv'");
        assertFalse(Files.exists(o));
    }

    @Test
    void inspectReportsOpsParametersAndUnsupported() {
        Path model = identityModel();
        assertEquals(0, Main.execute("inspect", model.toString(), "--json"));
        String json = stdout();
        assertTrue(json.contains("\"op\": \"Identity\""), json);
        assertTrue(json.contains("\"parameters\": 2"), json);
        assertTrue(json.contains("\"parameterBytes\": 8"), json);
        assertTrue(json.contains("\"irVersion\""), json);
        out.reset();
        assertEquals(0, Main.execute("inspect", model.toString()));
        assertTrue(stdout().contains("float[N,3]"), stdout());
    }

    @Test
    void inspectBadModel() throws Exception {
        Path bad = dir.resolve("bad.onnx");
        Files.write(bad, new byte[] {1, 2, 3});
        assertOneLineError(Main.execute("inspect", bad.toString()), bad + ": ");
    }

    @Test
    void benchRunsAndReports() {
        Path model = identityModel();
        int code = Main.execute("bench", model.toString(), "--engine", "onnxruntime", "--batch", "4",
                "--warmup", "1", "--warmup-seconds", "0", "--iters", "3", "--threads", "1", "--json");
        assertEquals(0, code, stderr());
        assertTrue(stdout().contains("\"x\": [4, 3]"), stdout());
        assertTrue(stdout().contains("\"medianMs\""), stdout());
        assertTrue(stderr().contains("bench onnxruntime"), stderr());
    }

    /** Java engine paths: full runs once Identity is merged in, the clean unsupported-op error before. */
    @Test
    void javaEngineRunAndBenchBoth() throws Exception {
        Path model = identityModel();
        Path in = dir.resolve("in");
        Npy.write(in.resolve("x.npy"), Tensor.of(new float[] {1, 2, 3}, 1, 3));
        Path o = dir.resolve("out");
        int run = Main.execute("run", model.toString(), "--inputs", in.toString(), "--outputs", o.toString(), "--engine", "java");
        if (!dev.lowbit.exec.OpRegistry.standard().supports("", "Identity")) {
            assertOneLineError(run, model + ": unsupported op Identity");
            assertFalse(Files.exists(o));
            err.reset();
            assertOneLineError(Main.execute("bench", model.toString(), "--engine", "both", "--iters", "2"),
                    model + ": unsupported op Identity");
            return;
        }
        assertEquals(0, run, stderr());
        assertArrayEquals(new float[] {1, 2, 3}, Npy.read(o.resolve("y.npy")).floats());
        out.reset();
        assertEquals(0, Main.execute("bench", model.toString(), "--engine", "both", "--batch", "2", "--iters", "3",
                "--threads", "1", "--json"), stderr());
        assertTrue(stdout().contains("\"javaOverOnnxruntime\""), stdout());
        assertTrue(stdout().contains("\"maxAbsDiff\": 0.0"), stdout());
    }

    /** Several models in one run: a float model and its int8 version, each against the first and against ORT. */
    @Test
    @SuppressWarnings("unchecked")
    void benchSeveralModelsInOneRun() {
        Path fp32 = TestResources.of("models/resnet_fmnist.onnx");
        Path int8 = dir.resolve("int8.onnx");
        assertEquals(0, Main.execute("quantize", fp32.toString(), "-o", int8.toString(), "--calib",
                TestResources.of("fmnist/calib512-images-idx3-ubyte.gz").toString(), "--calib-size", "32"), stderr());
        out.reset();
        assertEquals(0, Main.execute("bench", fp32.toString(), int8.toString(), "--engine", "both", "--batch", "2",
                "--iters", "3", "--warmup", "1", "--warmup-seconds", "0", "--threads", "1", "--json"), stderr());
        Map<String, Object> r = (Map<String, Object>) Json.parse(stdout().strip());
        List<Map<String, Object>> rows = (List<Map<String, Object>>) r.get("models");
        assertEquals(2, rows.size());
        assertEquals(1.0, ((Number) rows.get(0).get("javaOverFirstModel")).doubleValue(), 1e-12);
        double javaMs = ((Number) rows.get(1).get("javaMedianMs")).doubleValue();
        double ortMs = ((Number) rows.get(1).get("onnxruntimeMedianMs")).doubleValue();
        assertEquals(javaMs / ortMs, ((Number) rows.get(1).get("javaOverOnnxruntime")).doubleValue(), 1e-9);
        assertEquals(javaMs / ((Number) rows.get(0).get("javaMedianMs")).doubleValue(),
                ((Number) rows.get(1).get("javaOverFirstModel")).doubleValue(), 1e-9);
        out.reset();
        assertEquals(0, Main.execute("bench", fp32.toString(), int8.toString(), "--batch", "2", "--iters", "2",
                "--warmup", "1", "--warmup-seconds", "0", "--threads", "1"), stderr());
        assertTrue(stdout().contains("int8.onnx") && stdout().contains("vs first"), stdout());
        // --no-fork measures both in this JVM: the same report.
        out.reset();
        assertEquals(0, Main.execute("bench", fp32.toString(), int8.toString(), "--batch", "2", "--iters", "2",
                "--warmup", "1", "--warmup-seconds", "0", "--threads", "1", "--no-fork", "--json"), stderr());
        List<Map<String, Object>> same = (List<Map<String, Object>>) ((Map<String, Object>) Json.parse(stdout().strip())).get("models");
        assertEquals(2, same.size());
        assertEquals(2, ((Number) same.get(1).get("batch")).intValue());
    }

    @Test
    void benchBadInput() {
        Path missing = dir.resolve("missing.onnx");
        assertOneLineError(Main.execute("bench", missing.toString()), missing + ": no such model file");
        err.reset();
        assertOneLineError(Main.execute("bench", identityModel().toString(), "--engine", "onnxruntime",
                "--shape", "nope=1x3"), "--shape nope: the model has no input 'nope'");
    }

    @Test
    void conformanceBadFolder() {
        Path missing = dir.resolve("nothing-here");
        assertOneLineError(Main.execute("conformance", missing.toString()), missing + ": not a folder");
    }
}
