package dev.lowbit.maven;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lowbit.maven.LowbitCli.EvalRequest;
import dev.lowbit.maven.LowbitCli.QuantizeRequest;
import dev.lowbit.report.Json;
import dev.lowbit.testutil.TestResources;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.maven.plugin.MojoExecutionException;
import org.apache.maven.plugin.logging.SystemStreamLog;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LowbitCliTest {
    private static final Path MODEL = TestResources.of("models/resnet_fmnist.onnx");
    private static final Path CALIB = TestResources.of("fmnist/calib512-images-idx3-ubyte.gz");
    private static final Path TEST = TestResources.of("fmnist/t1000-images-idx3-ubyte.gz");

    @TempDir
    Path dir;

    /** Keeps what the CLI logged at info level; drops debug lines (the JVM command, JSON) as Maven does without -X. */
    private static final class RecordingLog extends SystemStreamLog {
        final List<String> info = new ArrayList<>();

        @Override
        public void debug(CharSequence content) {
        }

        @Override
        public void info(CharSequence content) {
            info.add(content.toString());
            super.info(content);
        }
    }

    private final RecordingLog log = new RecordingLog();

    /** lowbit as the plugin runs it: in a JVM of its own, on this test's class path. */
    private LowbitCli lowbit() {
        String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<Path> jars = Arrays.stream(classPath.split(File.pathSeparator)).map(Path::of).toList();
        return new LowbitCli(jars, List.of("-Xmx2g"), dir, log);
    }

    private static QuantizeRequest request(Path config, Map<String, String> options) {
        return new QuantizeRequest(MODEL, CALIB, config, new TreeMap<>(options));
    }

    @Test
    void optionsBecomeFlagsAfterTheConfigSoTheyWinAndTheOutputComesLast() throws MojoExecutionException {
        Map<String, String> options = new HashMap<>();
        options.put("method", " entropy ");
        options.put("calib-size", "64");
        options.put("per-channel", "false");
        options.put("adaround", null);
        Path config = dir.resolve("q.yaml");
        assertEquals(List.of("quantize", MODEL.toString(), "--config", config.toString(), "--adaround", "--calib-size=64",
                        "--method=entropy", "--per-channel=false", "--calib", CALIB.toString(), "--output", "out.onnx"),
                LowbitCli.quantizeArgs(request(config, options), Path.of("out.onnx")));
    }

    @Test
    void optionsTheMojoSetsItselfAreRefusedNamingTheParameter() {
        MojoExecutionException e = assertThrows(MojoExecutionException.class,
                () -> LowbitCli.quantizeArgs(request(null, Map.of("calib", "x.npy")), Path.of("out.onnx")));
        assertEquals("options: 'calib' is set with the plugin parameter <calibrationData>, not in <options>", e.getMessage());
        e = assertThrows(MojoExecutionException.class,
                () -> LowbitCli.quantizeArgs(request(null, Map.of("--weights", "4")), Path.of("out.onnx")));
        assertEquals("options: '--weights' is not a flag name (write <weights>8</weights> for --weights 8)", e.getMessage());
    }

    @Test
    void theGateEvaluatesWithTheDataFlagsOfTheConfigAndOptionsButLabelsOnlyWhereTheyBelong() throws IOException {
        Path config = Files.writeString(dir.resolve("q.yaml"), "mean: [0.5, 0.4]\nstd: 0.3\nweights: 4\nlabels: calib-labels.npy\n");
        QuantizeRequest request = request(config, Map.of("std", "0.35", "method", "entropy"));
        assertEquals(List.of("--data", TEST.toString(), "--limit", "200", "--engine", "java", "--json", "--mean=0.5,0.4",
                "--std=0.35"), LowbitCli.evalFlags(request, new EvalRequest(TEST, null, 200, "java")));
        assertEquals(List.of("--data", CALIB.toString(), "--limit", "0", "--engine", "java", "--json", "--mean=0.5,0.4",
                "--std=0.35", "--labels=calib-labels.npy"), LowbitCli.evalFlags(request, new EvalRequest(CALIB, null, 0, "java")));
        assertTrue(LowbitCli.evalFlags(request, new EvalRequest(TEST, Path.of("test-labels.npy"), 200, "java"))
                .contains("--labels=test-labels.npy"));
    }

    @Test
    void filesNamedByOptionsAndConfigAreFingerprintedButNotTheOnesLowbitWrites() throws IOException {
        Files.writeString(dir.resolve("labels.npy"), "labels");
        Files.writeString(dir.resolve("report.html"), "an earlier report");
        Files.createDirectories(dir.resolve("images"));
        Path config = Files.writeString(dir.resolve("q.yaml"), "calib: images\nweights: 8\n");
        Map<String, Path> files = lowbit().filesNamed(request(config,
                Map.of("labels", "labels.npy", "report", "report.html", "method", "entropy", "easyquant-range", "0.5,2")));
        assertEquals(Map.of("config:calib", dir.resolve("images"), "options:labels", dir.resolve("labels.npy")), files);
    }

    @Test
    void theGateReadsTheWorstOutputOfEvalJson() {
        Map<?, ?> eval = (Map<?, ?>) Json.parse("""
                {"engine": "java", "samples": 200, "top1": 91.5, "vsReference": [
                  {"tensor": "boxes", "sqnrDb": 25.5, "cosine": 0.9990},
                  {"tensor": "scores", "sqnrDb": 31.0, "cosine": 0.9980},
                  {"tensor": "ids", "sqnrDb": null, "cosine": null}]}""");
        QualityGate.Measurement m = LowbitCli.measurement(eval, 92.0);
        assertEquals(new QualityGate.Measurement(200, "java", 92.0, 91.5, "scores", 0.998, "boxes", 25.5), m);
        QualityGate.Measurement none = LowbitCli.measurement(Map.of("engine", "java", "samples", 10.0), null);
        assertNull(none.cosineOutput());
        assertNull(none.quantTop1());
    }

    @Test
    void aBadOptionComesBackAsLowbitsOneLine() {
        MojoExecutionException e = assertThrows(MojoExecutionException.class,
                () -> lowbit().quantize(request(null, Map.of("no-such-flag", "1")), dir.resolve("out.onnx")));
        assertEquals("lowbit quantize: Unknown option: '--no-such-flag=1'", e.getMessage());
        e = assertThrows(MojoExecutionException.class,
                () -> lowbit().quantize(request(null, Map.of("method", "sideways")), dir.resolve("out.onnx")));
        assertTrue(e.getMessage().startsWith("lowbit quantize: ") && e.getMessage().contains("sideways"), e.getMessage());
    }

    @Test
    void quantizingTwiceWritesTheSameBytesAndTheGateIsMeasuredInBothEngines() throws Exception {
        QuantizeRequest request = request(null, Map.of("calib-size", "32"));
        Path first = dir.resolve("first.onnx");
        Path second = dir.resolve("second.onnx");
        lowbit().quantize(request, first);
        lowbit().quantize(request, second);
        assertArrayEquals(Files.readAllBytes(first), Files.readAllBytes(second));
        assertTrue(log.info.stream().anyMatch(line -> line.startsWith("quantized resnet_fmnist.onnx -> ")), log.info.toString());

        QualityGate.Measurement java = lowbit().measure(request, first, new EvalRequest(TEST, null, 100, "java"), true);
        assertEquals(100, java.samples());
        assertEquals("java", java.engine());
        assertTrue(java.floatTop1() > 80 && java.top1Drop() < 5, QualityGate.describe(java));
        assertEquals("logits", java.cosineOutput());
        assertTrue(java.cosine() > 0.99 && java.sqnrDb() > 20, QualityGate.describe(java));

        // The float model's own top-1 is only run for maxTop1Drop; this test's class path has ONNX Runtime.
        QualityGate.Measurement ort = lowbit().measure(request, first, new EvalRequest(TEST, null, 100, "onnxruntime"), false);
        assertEquals("onnxruntime", ort.engine());
        assertNull(ort.floatTop1());
        assertEquals(java.quantTop1(), ort.quantTop1(), 2.0, "both engines run the same integer model");
        assertTrue(ort.cosine() > 0.99, QualityGate.describe(ort));
    }
}
