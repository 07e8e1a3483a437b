package dev.lowbit.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lowbit.onnx.Model;
import dev.lowbit.onnx.ModelIO;
import dev.lowbit.ptq.TinyNets;
import dev.lowbit.tensor.Tensor;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code lowbit sensitivity} and the --easyquant / --max-drop / --mixed-precision modes of quantize, end to end. */
class SearchCommandsTest {
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

    /** Writes the tiny fragile CNN and 200 8x8 IDX images labelled by the float model itself. */
    private Path[] fixture() throws IOException {
        Model m = TinyNets.cnn(1, true);
        Tensor x = TinyNets.images(12, 200);
        byte[] pixels = new byte[x.size()];
        float[] seen = new float[x.size()];
        for (int i = 0; i < pixels.length; i++) {
            int p = (int) Math.max(0, Math.min(255, Math.round(x.floats()[i] * 100)));
            pixels[i] = (byte) p;
            seen[i] = p / 255f; // what the data loader will feed (default preprocessing)
        }
        long[] labels = TinyNets.selfLabels(m, Tensor.of(seen, x.shape()));
        Path model = dir.resolve("tiny.onnx");
        ModelIO.save(m, model);
        Path images = dir.resolve("tiny-images-idx3-ubyte.gz");
        try (DataOutputStream o = new DataOutputStream(new GZIPOutputStream(Files.newOutputStream(images)))) {
            o.writeInt(0x803);
            o.writeInt(200);
            o.writeInt(8);
            o.writeInt(8);
            o.write(pixels);
        }
        Path lab = dir.resolve("tiny-labels-idx1-ubyte.gz");
        try (DataOutputStream o = new DataOutputStream(new GZIPOutputStream(Files.newOutputStream(lab)))) {
            o.writeInt(0x801);
            o.writeInt(200);
            for (long l : labels) {
                o.writeByte((int) l);
            }
        }
        return new Path[] {model, images, lab};
    }

    @Test
    void sensitivityRanksTheFragileLayerFirst() throws IOException {
        Path[] f = fixture();
        int code = Main.execute("sensitivity", f[0].toString(), "--calib", f[1].toString(), "--data", f[1].toString(),
                "--labels", f[2].toString(), "--weights", "4", "--backend", "generic", "--limit", "200", "--json");
        assertEquals(0, code, err.toString(StandardCharsets.UTF_8));
        String json = out.toString(StandardCharsets.UTF_8);
        assertTrue(json.contains("\"metric\": \"top1\"") || json.contains("\"metric\":\"top1\""), json);
        int first = json.indexOf("\"layer\"");
        assertTrue(json.substring(first, first + 30).contains("conv2"), json);
    }

    @Test
    void quantizeWithMaxDropKeepsLayersFloatUntilTheTargetIsMet() throws IOException {
        Path[] f = fixture();
        Path q = dir.resolve("q.onnx");
        int code = Main.execute("quantize", f[0].toString(), "-o", q.toString(), "--calib", f[1].toString(), "--calib-size", "64",
                "--weights", "4", "--activations", "4", "--backend", "generic", "--max-drop", "5", "--data", f[1].toString(),
                "--labels", f[2].toString(), "--eval-limit", "200");
        String e = err.toString(StandardCharsets.UTF_8);
        assertEquals(0, code, e);
        assertTrue(e.contains("target met"), e);
        assertTrue(Files.size(q) > 0);
    }

    @Test
    void quantizeWithEasyQuantAndMixedPrecision() throws IOException {
        Path[] f = fixture();
        Path q = dir.resolve("eq.onnx");
        assertEquals(0, Main.execute("quantize", f[0].toString(), "-o", q.toString(), "--calib", f[1].toString(),
                "--calib-size", "64", "--easyquant", "--easyquant-samples", "16", "--easyquant-act-range", "0.8,1.0"));
        assertTrue(out.toString(StandardCharsets.UTF_8).contains("easyquant"));
        assertEquals(0, Main.execute("quantize", f[0].toString(), "-o", dir.resolve("mp.onnx").toString(), "--calib", f[1].toString(),
                "--calib-size", "64", "--mixed-precision", "--size-budget", "0.8", "--data", f[1].toString(),
                "--labels", f[2].toString(), "--eval-limit", "100"), err.toString(StandardCharsets.UTF_8));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("mixed precision: packed weights"));
        err.reset();
        assertEquals(2, Main.execute("quantize", f[0].toString(), "-o", q.toString(), "--calib", f[1].toString(),
                "--easyquant", "--easyquant-range", "2,1"));
        assertTrue(err.toString(StandardCharsets.UTF_8).strip().startsWith("lowbit: --easyquant-range must be LO,HI"));
    }
}
