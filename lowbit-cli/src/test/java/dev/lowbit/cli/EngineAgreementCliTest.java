package dev.lowbit.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.lowbit.report.Json;
import dev.lowbit.testutil.TestResources;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code compare Q Q --engine java --reference-engine onnxruntime} measures lowbit's engine against
 * ONNX Runtime on one quantized model: for the default (uint8) QDQ export of the fixture ResNet,
 * identical outputs (max |err| 0) and the same class on all 1,000 test images.
 */
class EngineAgreementCliTest {
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

    @Test
    void javaEngineEqualsOnnxRuntimeOnAQdqExport() {
        Path q = dir.resolve("q.onnx");
        int code = Main.execute("quantize", TestResources.of("models/resnet_fmnist.onnx").toString(), "-o", q.toString(),
                "--calib", TestResources.of("fmnist/calib512-images-idx3-ubyte.gz").toString(), "--json");
        assertEquals(0, code, err.toString(StandardCharsets.UTF_8));
        out.reset();
        code = Main.execute("compare", q.toString(), q.toString(), "--data", TestResources.of("fmnist/t1000-images-idx3-ubyte.gz").toString(),
                "--limit", "0", "--engine", "java", "--reference-engine", "onnxruntime", "--json");
        assertEquals(0, code, err.toString(StandardCharsets.UTF_8));
        Map<?, ?> result = (Map<?, ?>) Json.parse(out.toString(StandardCharsets.UTF_8).strip());
        assertEquals(1000.0, ((Number) result.get("samples")).doubleValue());
        Map<?, ?> logits = (Map<?, ?>) ((List<?>) result.get("outputs")).get(0);
        assertEquals(0.0, ((Number) logits.get("maxAbsError")).doubleValue(), "lowbit's outputs are ONNX Runtime's: " + logits);
        assertEquals(100.0, ((Number) logits.get("top1Agreement")).doubleValue(), logits.toString());
    }
}
