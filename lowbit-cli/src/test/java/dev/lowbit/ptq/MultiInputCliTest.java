package dev.lowbit.ptq;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lowbit.cli.Main;
import dev.lowbit.data.Npz;
import dev.lowbit.onnx.ModelIO;
import dev.lowbit.report.Json;
import dev.lowbit.tensor.Tensor;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A two-input transformer (int64 ids and mask) through quantize, compare and eval (both engines), sensitivity and bench on the command line. */
class MultiInputCliTest {
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

    private Path npz(String name, long seed, int n) {
        Tensor[] t = TinyBert.tokens(seed, n, 10);
        Map<String, Tensor> m = new LinkedHashMap<>();
        m.put("input_ids", t[0]);
        m.put("attention_mask", t[1]);
        Path p = dir.resolve(name);
        Npz.write(p, m);
        return p;
    }

    @Test
    void quantizeCompareEvalAndBenchATwoInputModel() throws Exception {
        Path model = dir.resolve("tinybert.onnx");
        ModelIO.save(TinyBert.build(11, 13), model);
        Path calib = npz("calib.npz", 12, 48);
        Path eval = npz("eval.npz", 13, 24);
        Path q = dir.resolve("q.onnx");
        int code = Main.execute("quantize", model.toString(), "-o", q.toString(), "--calib", calib.toString(), "--json");
        assertEquals(0, code, err.toString(StandardCharsets.UTF_8));
        Map<?, ?> result = (Map<?, ?>) Json.parse(out.toString(StandardCharsets.UTF_8).strip());
        assertTrue(Files.size(q) > 0);
        Map<?, ?> quality = (Map<?, ?>) result.get("quality");
        assertEquals(16.0, ((Number) quality.get("samples")).doubleValue(), "self-check on 16 calibration samples");
        for (String engine : List.of("java", "onnxruntime")) {
            out.reset();
            code = Main.execute("compare", model.toString(), q.toString(), "--data", eval.toString(), "--engine", engine, "--json");
            assertEquals(0, code, err.toString(StandardCharsets.UTF_8));
            Map<?, ?> cmp = (Map<?, ?>) Json.parse(out.toString(StandardCharsets.UTF_8).strip());
            assertEquals(24.0, ((Number) cmp.get("samples")).doubleValue());
            List<?> rows = (List<?>) cmp.get("outputs");
            Map<?, ?> pooled = rows.stream().map(r -> (Map<?, ?>) r)
                    .filter(r -> r.get("tensor").equals("last_hidden_state (mean-pooled)")).findFirst().orElseThrow();
            double cos = ((Number) pooled.get("meanSampleCosine")).doubleValue();
            assertTrue(cos > 0.99 && cos <= 1.0, engine + ": pooled cosine " + cos);
        }
        for (String engine : List.of("java", "onnxruntime")) {
            out.reset();
            code = Main.execute("eval", q.toString(), "--data", eval.toString(), "--reference", model.toString(),
                    "--engine", engine, "--json");
            assertEquals(0, code, err.toString(StandardCharsets.UTF_8));
            Map<?, ?> ev = (Map<?, ?>) Json.parse(out.toString(StandardCharsets.UTF_8).strip());
            assertEquals(24.0, ((Number) ev.get("samples")).doubleValue());
            assertTrue(!ev.containsKey("top1"), "no class scores, no top-1: " + ev);
            Map<?, ?> stats = (Map<?, ?>) ((List<?>) ev.get("outputs")).get(0);
            assertEquals("last_hidden_state", stats.get("output"));
            assertEquals(24.0 * 10 * 16, ((Number) stats.get("values")).doubleValue(), "24 sentences x 10 tokens x 16 features");
            assertEquals(0.0, ((Number) stats.get("nonFinite")).doubleValue());
            Map<?, ?> pooled = ((List<?>) ev.get("vsReference")).stream().map(r -> (Map<?, ?>) r)
                    .filter(r -> r.get("tensor").equals("last_hidden_state (mean-pooled)")).findFirst().orElseThrow();
            double cos = ((Number) pooled.get("meanSampleCosine")).doubleValue();
            assertTrue(cos > 0.99 && cos <= 1.0, engine + ": eval --reference pooled cosine " + cos);
        }
        out.reset();
        code = Main.execute("sensitivity", model.toString(), "--calib", calib.toString(), "--data", eval.toString(),
                "--calib-size", "16", "--json");
        assertEquals(0, code, err.toString(StandardCharsets.UTF_8));
        Map<?, ?> sens = (Map<?, ?>) Json.parse(out.toString(StandardCharsets.UTF_8).strip());
        assertTrue(sens.toString().contains("sqnr") || sens.toString().contains("SQNR"), sens.toString());
        out.reset();
        code = Main.execute("bench", q.toString(), "--batch", "2", "--iters", "2", "--warmup", "1", "--warmup-seconds", "0", "--json");
        assertEquals(0, code, err.toString(StandardCharsets.UTF_8));
        assertTrue(out.toString(StandardCharsets.UTF_8).contains("\"input_ids\""), out.toString(StandardCharsets.UTF_8));
        // one array for a two-input model: one line, exit 2
        Path one = dir.resolve("one.npy");
        dev.lowbit.data.Npy.write(one, Tensor.of(new long[20], 2, 10));
        code = Main.execute("quantize", model.toString(), "-o", dir.resolve("x.onnx").toString(), "--calib", one.toString());
        assertEquals(2, code);
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("the model has 2 inputs (input_ids, attention_mask)"),
                err.toString(StandardCharsets.UTF_8));
    }
}
