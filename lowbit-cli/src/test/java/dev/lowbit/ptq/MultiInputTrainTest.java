package dev.lowbit.ptq;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lowbit.cli.Main;
import dev.lowbit.data.Dataset;
import dev.lowbit.data.DatasetOptions;
import dev.lowbit.data.Datasets;
import dev.lowbit.data.Npz;
import dev.lowbit.engine.Engine;
import dev.lowbit.engine.JavaEngine;
import dev.lowbit.onnxruntime.OnnxRuntimeEngine;
import dev.lowbit.eval.Accuracy;
import dev.lowbit.onnx.Model;
import dev.lowbit.onnx.ModelIO;
import dev.lowbit.quant.BackendProfile;
import dev.lowbit.report.Json;
import dev.lowbit.tensor.Parallel;
import dev.lowbit.tensor.Tensor;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code lowbit train} on a model with two int64 inputs (token ids and attention mask): W4A4 QAT
 * of a BERT-style sentence classifier from an .npz holding both inputs and the labels. The labels
 * are the float model's own predictions, so float top-1 is 100% by construction and what QAT must
 * win back is what 4-bit PTQ loses; the exported model then agrees in ONNX Runtime and lowbit.
 */
class MultiInputTrainTest {
    @TempDir
    Path dir;

    private static Map<String, Tensor> data(Model teacher, long seed, int n) {
        Tensor[] t = TinyBert.tokens(seed, n, 10);
        Map<String, Tensor> m = new LinkedHashMap<>();
        m.put("input_ids", t[0]);
        m.put("attention_mask", t[1]);
        try (Engine e = new JavaEngine(teacher)) {
            Tensor logits = e.run(m).get("logits");
            long[] y = new long[n];
            for (int i = 0; i < n; i++) {
                y[i] = Accuracy.argmax(logits.floats(), 2, i);
            }
            m.put("labels", Tensor.of(y, n));
        }
        return m;
    }

    @Test
    void w4a4QatOfATwoInputClassifierFromAnNpz() throws Exception {
        Model model = TinyBert.classifier(21, 2);
        Path modelFile = dir.resolve("bert_cls.onnx");
        ModelIO.save(model, modelFile);
        Map<String, Tensor> train = data(model, 1, 1024);
        Map<String, Tensor> test = data(model, 2, 512);
        Npz.write(dir.resolve("train.npz"), train);
        Npz.write(dir.resolve("test.npz"), test);
        Path out = dir.resolve("w4a4.onnx");
        Files.writeString(dir.resolve("train.yaml"), String.join("\n",
                "model: " + modelFile, "train_data: " + dir.resolve("train.npz"), "test_data: " + dir.resolve("test.npz"),
                "output: " + out, "checkpoint_dir: " + dir.resolve("ckpt"), "mode: qat", "backend: generic",
                "weight_bits: 4", "activation_bits: 4", "quantizer: lsq", "weight_quantizer: lsq", "calib_method: minmax",
                "calib_size: 128", "loss: ce", "optimizer: adamw", "lr: 0.003", "epochs: 8", "batch_size: 32", "seed: 0",
                "freeze_bn_epoch: 0", "augment:", "  crop_padding: 0", "  flip: false", ""));
        ByteArrayOutputStream stdout = new ByteArrayOutputStream();
        ByteArrayOutputStream stderr = new ByteArrayOutputStream();
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        int code;
        int threadsBefore = Parallel.threads();
        try {
            // float sums of parallel kernels group by thread count: pin it, so every machine trains the same weights
            Parallel.setThreads(2);
            System.setOut(new PrintStream(stdout, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(stderr, true, StandardCharsets.UTF_8));
            code = Main.execute("train", dir.resolve("train.yaml").toString(), "--json");
        } finally {
            Parallel.setThreads(threadsBefore);
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
        assertEquals(0, code, stderr.toString(StandardCharsets.UTF_8));
        Map<?, ?> result = (Map<?, ?>) Json.parse(stdout.toString(StandardCharsets.UTF_8).strip());
        List<?> epochs = (List<?>) result.get("epochs");
        double last = ((Number) ((Map<?, ?>) epochs.get(epochs.size() - 1)).get("quantized_top1")).doubleValue() / 100;

        PtqResult ptq;
        try (Dataset calib = Datasets.open(dir.resolve("train.npz"), DatasetOptions.forModel(model))) {
            ptq = new PostTrainingQuantizer(PtqConfig.builder().weightBits(4).activationBits(4)
                    .backend(BackendProfile.GENERIC).calibSize(128).build()).quantize(model, calib);
        }
        Map<String, Tensor> feeds = Map.of("input_ids", test.get("input_ids"), "attention_mask", test.get("attention_mask"));
        long[] labels = test.get("labels").longs();
        double ptqTop1 = top1(new JavaEngine(ptq.quantized()), feeds, labels);
        double javaTop1 = top1(new JavaEngine(ModelIO.load(out)), feeds, labels);
        double ortTop1 = top1(OnnxRuntimeEngine.builder().threads(1).build(out), feeds, labels);
        System.out.printf("two-input W4A4: PTQ %.4f, QAT %.4f (trainer), exported in lowbit %.4f, in ORT %.4f%n",
                ptqTop1, last, javaTop1, ortTop1);
        assertEquals(javaTop1, last, 1e-9, "the trainer's test top-1 is the exported model's");
        assertEquals(javaTop1, ortTop1, 0.01, "ORT runs the exported model as lowbit does");
        assertTrue(javaTop1 > ptqTop1 + 0.005 && javaTop1 >= 0.9, "QAT " + javaTop1 + " vs PTQ " + ptqTop1);
    }

    private static double top1(Engine e, Map<String, Tensor> feeds, long[] labels) {
        try (e) {
            Accuracy a = new Accuracy();
            a.add(e.run(feeds).get("logits").floats(), 2, labels);
            return a.top1() / 100;
        }
    }
}
