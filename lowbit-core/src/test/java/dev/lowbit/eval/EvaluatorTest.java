package dev.lowbit.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.lowbit.data.Dataset;
import dev.lowbit.data.DatasetOptions;
import dev.lowbit.data.Datasets;
import dev.lowbit.data.Npy;
import dev.lowbit.engine.Engine;
import dev.lowbit.onnx.ValueInfo;
import dev.lowbit.tensor.DType;
import dev.lowbit.tensor.Tensor;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Evaluator's statistics, accuracy and reference comparison against values computed by hand. */
class EvaluatorTest {
    @TempDir
    Path dir;

    /** Reads x [N, 5]: scores = x[:, 0:3], features = x[:, 3:5] times {@code gain}. */
    private record SplitEngine(float gain) implements Engine {
        @Override
        public String name() {
            return "split";
        }

        @Override
        public List<ValueInfo> inputs() {
            return List.of(new ValueInfo("x", DType.FLOAT, List.of()));
        }

        @Override
        public List<ValueInfo> outputs() {
            return List.of(new ValueInfo("scores", DType.FLOAT, List.of()), new ValueInfo("features", DType.FLOAT, List.of()));
        }

        @Override
        public Map<String, Tensor> run(Map<String, Tensor> inputs) {
            Tensor x = inputs.get("x");
            int n = x.dim(0);
            float[] s = new float[n * 3];
            float[] f = new float[n * 2];
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < 3; j++) {
                    s[i * 3 + j] = x.floats()[i * 5 + j];
                }
                for (int j = 0; j < 2; j++) {
                    f[i * 2 + j] = gain * x.floats()[i * 5 + 3 + j];
                }
            }
            Map<String, Tensor> out = new LinkedHashMap<>();
            out.put("scores", Tensor.of(s, n, 3));
            out.put("features", Tensor.of(f, n, 2));
            return out;
        }

        @Override
        public void close() {
        }
    }

    private Dataset data(boolean labelled) {
        float[] x = {
            3, 1, 0, 1, 2,
            0, 5, 1, 3, Float.NaN,
            0, 1, 2, -1, 4,
            9, 0, 0, 0, 0};
        Npy.write(dir.resolve("x.npy"), Tensor.of(x, 4, 5));
        Npy.write(dir.resolve("y.npy"), Tensor.of(new long[] {0, 1, 0, 0}, 4));
        DatasetOptions o = DatasetOptions.defaults();
        return Datasets.open(dir.resolve("x.npy"), labelled ? o.withLabels(dir.resolve("y.npy")) : o);
    }

    private static final Map<String, OutputKind> KINDS = Map.of("scores", OutputKind.CLASS_SCORES, "features", OutputKind.OTHER);

    @Test
    void statisticsAndAccuracyOfEveryOutput() {
        try (Dataset d = data(true)) {
            Evaluator.Report r = Evaluator.evaluate(new SplitEngine(1), KINDS, null, 0.5, d, 3, null);
            assertEquals(4, r.samples());
            assertEquals("scores", r.classOutput());
            assertEquals(75.0, r.accuracy().top1(), 1e-9, "argmax 0, 1, 2, 0 against labels 0, 1, 0, 0");
            Evaluator.OutputStats f = r.outputs().get(1);
            assertEquals("features", f.output());
            assertEquals("[*, 2]", f.shape());
            assertEquals(7, f.values());
            assertEquals(1, f.nonFinite());
            double mean = (1 + 2 + 3 - 1 + 4 + 0 + 0) / 7.0;
            double var = (1 + 4 + 9 + 1 + 16) / 7.0 - mean * mean;
            assertEquals(mean, f.mean(), 1e-12);
            assertEquals(Math.sqrt(var), f.std(), 1e-12);
            assertEquals(-1, f.min());
            assertEquals(4, f.max());
            assertEquals(List.of(), r.vsReference());
        }
    }

    @Test
    void comparedWithAReferenceWithoutLabels() {
        try (Dataset d = data(false)) {
            Evaluator.Report r = Evaluator.evaluate(new SplitEngine(2), KINDS, new SplitEngine(1), 0.5, d, 2, null);
            assertNull(r.accuracy(), "no labels, no top-1");
            ModelComparison.Row scores = r.vsReference().get(0);
            assertEquals("scores", scores.tensor());
            assertEquals(100.0, scores.top1Agreement(), 1e-9);
            assertEquals(1.0, scores.cosine(), 1e-12);
            ModelComparison.Row features = r.vsReference().stream().filter(x -> x.tensor().equals("features"))
                    .findFirst().orElseThrow();
            assertEquals(Double.NaN, features.top1Agreement(), "features are not class scores");
            assertEquals(Double.NaN, features.sqnrDb(), "a NaN in the outputs shows, it is not averaged away");
        }
    }
}
