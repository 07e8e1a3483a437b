package dev.lowbit.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lowbit.testutil.TestResources;
import dev.lowbit.report.Json;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code lowbit train CONFIG} and {@code lowbit test CONFIG CHECKPOINT} on the ResNet-style model, briefly. */
class TrainCliTest {
    @TempDir
    Path dir;

    private static final Path RES = TestResources.root().toAbsolutePath();

    private Path config(String extra) throws Exception {
        Path c = dir.resolve("qat.yaml");
        Files.writeString(c, String.join("\n",
                "model: " + RES.resolve("models/resnet_fmnist.onnx"),
                "train_data: " + RES.resolve("fmnist/calib512-images-idx3-ubyte.gz"),
                "test_data: " + RES.resolve("fmnist/t1000-images-idx3-ubyte.gz"),
                "weight_bits: 4", "activation_bits: 4", "backend: generic", "quantizer: lsq", "calib_method: minmax",
                "calib_size: 64", "optimizer: adamw", "lr: 0.0001", "epochs: 1", "max_steps: 2", "batch_size: 16",
                "test_limit: 200", "loss: ce", "freeze_bn_epoch: 1", "checkpoint_dir: ckpt", extra, ""));
        return c;
    }

    private String[] run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        PrintStream o = System.out, e = System.err;
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            int code = Main.execute(args);
            return new String[] {Integer.toString(code), out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8)};
        } finally {
            System.setOut(o);
            System.setErr(e);
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void trainThenTestAgreeWithOnnxRuntime() throws Exception {
        Path cfg = config("");
        String[] r = run("train", cfg.toString(), "--json", "--set", "loss=kd");
        assertEquals("0", r[0], r[2]);
        Map<String, Object> res = (Map<String, Object>) Json.parse(r[1]);
        List<Object> epochs = (List<Object>) res.get("epochs");
        assertEquals(1, epochs.size());
        double quant = ((Number) ((Map<String, Object>) epochs.get(0)).get("quantized_top1")).doubleValue();
        assertTrue(quant > 70, "W4A4 after PTQ + 2 steps: " + quant);
        Path last = dir.resolve("ckpt").resolve("last.onnx");
        assertTrue(Files.exists(last) && Files.exists(dir.resolve("ckpt").resolve("final_qdq.onnx")));
        String[] t = run("test", cfg.toString(), last.toString(), "--json", "--set", "loss=kd");
        assertEquals("0", t[0], t[2]);
        Map<String, Object> tr = (Map<String, Object>) Json.parse(t[1]);
        double java = ((Number) tr.get("java_top1")).doubleValue(), ort = ((Number) tr.get("onnxruntime_top1")).doubleValue();
        assertEquals(200, ((Number) tr.get("samples")).intValue());
        assertEquals(ort, java, 0.51, "lowbit and ONNX Runtime on the export (at most one image of 200 apart)");
        assertEquals(quant, java, 1.01, "the trainer's own evaluation of the export");
    }

    /**
     * Same config and seed, same bytes: two {@code train} runs in separate JVMs (their own hash
     * seeds, thread schedules and JIT) write identical checkpoints and exports, with augmentation,
     * shuffling, learned steps and BN statistics in play.
     */
    @Test
    void twoTrainRunsInSeparateJvmsWriteIdenticalFiles() throws Exception {
        String java = System.getProperty("java.home") + File.separator + "bin" + File.separator + "java";
        String cp = System.getProperty("java.class.path");
        Path cfg = config("augment:\n  crop_padding: 2\n  flip: true");
        for (String run : List.of("a", "b")) {
            Process p = new ProcessBuilder(java, "--add-modules", "jdk.incubator.vector",
                    "--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED", "-cp", cp, Main.class.getName(),
                    "train", cfg.toString(), "--set", "checkpoint_dir=" + dir.resolve(run), "--set", "max_steps=3",
                    "--set", "freeze_bn_epoch=1", "--set", "epochs=2")
                    .redirectErrorStream(true).directory(dir.toFile()).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(p.waitFor(300, TimeUnit.SECONDS), "child JVM timed out");
            assertEquals(0, p.exitValue(), out);
        }
        for (String file : List.of("last.onnx", "last_qdq.onnx", "final_qdq.onnx")) {
            Path a = dir.resolve("a").resolve(file);
            Path b = dir.resolve("b").resolve(file);
            assertTrue(Files.size(a) > 1000, file);
            assertEquals(-1L, Files.mismatch(a, b), file + " differs between two runs of one config");
        }
    }

    /**
     * A model without lowbit's preprocessing metadata trains on normalised pixels only when the config
     * says how (mean/std with the flags' names): without them the W4A4 start is far worse.
     */
    @Test
    @SuppressWarnings("unchecked")
    void preprocessingKeysOfTheConfigReplaceMissingMetadata() throws Exception {
        dev.lowbit.onnx.Model m = dev.lowbit.onnx.ModelIO.load(RES.resolve("models/resnet_fmnist.onnx"));
        m.metadata().clear();
        Path bare = dir.resolve("bare.onnx");
        dev.lowbit.onnx.ModelIO.save(m, bare);
        Path cfg = config("");
        String base = Files.readString(cfg).replace("model: " + RES.resolve("models/resnet_fmnist.onnx"), "model: " + bare);
        Files.writeString(cfg, base + "mean: 0.2860\nstd: 0.3530\npixel-scale: 0.00392156862\nlayout: nchw\n");
        dev.lowbit.qat.TrainConfig c = dev.lowbit.qat.TrainConfig.load(cfg);
        assertEquals(0.286f, c.preprocess().mean()[0], 1e-6f);
        assertEquals(0.353f, c.preprocess().forModel(m).std()[0], 1e-6f);
        String[] with = run("train", cfg.toString(), "--json", "--set", "max_steps=1");
        assertEquals("0", with[0], with[2]);
        Files.writeString(cfg, base);
        String[] without = run("train", cfg.toString(), "--json", "--set", "max_steps=1");
        assertEquals("0", without[0], without[2]);
        double a = top1(with[1]);
        double b = top1(without[1]);
        assertTrue(a > 70 && a > b + 10, "with mean/std " + a + ", without " + b);
    }

    @SuppressWarnings("unchecked")
    private static double top1(String json) {
        List<Object> epochs = (List<Object>) ((Map<String, Object>) Json.parse(json)).get("epochs");
        return ((Number) ((Map<String, Object>) epochs.get(0)).get("quantized_top1")).doubleValue();
    }

    @Test
    void badConfigIsOneLineAndNonZero() throws Exception {
        Path cfg = config("");
        Files.writeString(cfg, Files.readString(cfg).replace("quantizer: lsq", "quantizer: lsqq"));
        String[] r = run("train", cfg.toString());
        assertEquals("2", r[0]);
        assertTrue(r[2].strip().lines().count() == 1 && r[2].contains("quantizer") && r[2].contains("lsqq"), r[2]);
        Files.writeString(cfg, Files.readString(cfg) + "epochs: 2\n");
        r = run("train", cfg.toString());
        assertEquals("2", r[0]);
        assertTrue(r[2].strip().lines().count() == 1 && r[2].contains("epochs"), "duplicate key: " + r[2]);
        Files.writeString(cfg, "model: [unclosed");
        r = run("train", cfg.toString());
        assertEquals("2", r[0]);
        assertTrue(r[2].strip().lines().count() == 1 && r[2].contains(cfg.toString()), r[2]);
        r = run("train", config("").toString(), "--set", "lr");
        assertEquals("2", r[0]);
        assertTrue(r[2].contains("KEY=VALUE"), r[2]);
        for (String bad : List.of("lr=NaN", "momentum=Infinity", "kd_temperature=NaN", "weight_decay=-1")) {
            r = run("train", config("").toString(), "--set", bad);
            assertEquals("2", r[0], bad);
            assertEquals("lowbit: " + (bad.endsWith("-1") ? "config needs 0 <= momentum < 1, weight_decay >= 0 and warmup_epochs >= 0"
                    : "config " + bad.substring(0, bad.indexOf('=')) + " must be a finite number, got " + bad.substring(bad.indexOf('=') + 1)),
                    r[2].strip(), bad + ": refused before any work, in one line");
        }
    }
}
