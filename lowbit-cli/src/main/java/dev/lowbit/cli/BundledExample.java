package dev.lowbit.cli;

import dev.lowbit.DataSource;
import dev.lowbit.Lowbit;
import dev.lowbit.LowbitException;
import dev.lowbit.OnnxModel;
import dev.lowbit.QuantizeOptions;
import dev.lowbit.QuantizeResult;
import dev.lowbit.data.DataSettings;
import dev.lowbit.data.Dataset;
import dev.lowbit.data.DatasetOptions;
import dev.lowbit.data.Datasets;
import dev.lowbit.engine.Benchmark;
import dev.lowbit.engine.Engine;
import dev.lowbit.engine.JavaEngine;
import dev.lowbit.onnxruntime.OnnxRuntimeEngine;
import dev.lowbit.eval.Evaluator;
import dev.lowbit.onnx.ModelIO;
import dev.lowbit.report.Json;
import dev.lowbit.tensor.Tensor;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code lowbit quantize} with no arguments: quantizes the CNN bundled in the jar (trained on
 * Fashion-MNIST by tools/fixtures/train_fmnist.py) with 512 training images, then reports fp32
 * and int8 top-1 on 1,000 test images, file sizes and batch-32 latency in both engines.
 */
final class BundledExample {
    static final String RESOURCES = "/dev/lowbit/example/";
    static final String MODEL = "fmnist_cnn.onnx";
    static final String[] FILES = {MODEL, "train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
        "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"};

    private BundledExample() {
    }

    /** Copies the example into a fresh temporary folder and returns it. */
    static Path extract() throws IOException {
        Path dir = Files.createTempDirectory("lowbit-example");
        for (String f : FILES) {
            try (InputStream in = BundledExample.class.getResourceAsStream(RESOURCES + f)) {
                if (in == null) {
                    throw new LowbitException("bundled example file " + f + " is missing from the jar");
                }
                Files.copy(in, dir.resolve(f), StandardCopyOption.REPLACE_EXISTING);
            }
        }
        return dir;
    }

    record Row(String model, long bytes, double top1Java, double top1Ort, double msJava, double msOrt) {
    }

    static int run(boolean json) throws IOException {
        Path dir = extract();
        Path floatPath = dir.resolve(MODEL);
        Path quantPath = dir.resolve("fmnist_cnn.int8.onnx");
        OnnxModel floatModel = Lowbit.load(floatPath);
        if (!json) {
            System.out.println("lowbit example: " + floatModel.metadata().getOrDefault("description", "Fashion-MNIST CNN"));
            System.out.println("quantizing W8A8 per-channel (onnxruntime profile, minmax calibration, 512 training images)...");
        }
        ProgressBars bars = new ProgressBars(QuantizeCommand::unit);
        QuantizeResult r = floatModel.quantize(QuantizeOptions.builder()
                .calibrationData(DataSource.of(dir.resolve("train-images-idx3-ubyte.gz"))).calibrationSamples(512)
                .output(quantPath).progress(bars).build());
        bars.done();
        DatasetOptions testOptions = DataSettings.NONE.forModel(ModelIO.load(floatPath), 1000);
        List<Row> rows = new ArrayList<>();
        for (Path p : List.of(floatPath, quantPath)) {
            double[] top1 = new double[2];
            double[] ms = new double[2];
            for (int e = 0; e < 2; e++) {
                try (Engine engine = e == 0 ? JavaEngine.open(p, 0) : OnnxRuntimeEngine.builder().build(p);
                     Dataset test = Datasets.open(dir.resolve("t10k-images-idx3-ubyte.gz"), testOptions)) {
                    top1[e] = Evaluator.evaluate(engine, test, 100, null).top1();
                    Tensor batch = test.batches(32).next().images();
                    Map<String, Tensor> feed = Map.of(engine.inputNames().get(0), batch);
                    Benchmark.warmUp(engine, feed, 3, 1, null); // until the JIT is idle, as lowbit bench does
                    ms[e] = Benchmark.measure(engine, feed, 32, 0, 15, null).medianMs();
                }
            }
            rows.add(new Row(p == floatPath ? "fp32" : "int8", Files.size(p), top1[0], top1[1], ms[0], ms[1]));
        }
        if (json) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("folder", dir.toString());
            m.put("calibrationMillis", r.millis());
            m.put("results", rows);
            System.out.println(Json.write(m));
            return 0;
        }
        System.out.printf("quantization took %.1f s; files in %s%n%n", r.millis() / 1000.0, dir);
        System.out.printf("%-6s %10s %14s %14s %16s %16s%n", "model", "bytes", "top-1 java", "top-1 ORT", "ms/batch32 java", "ms/batch32 ORT");
        for (Row row : rows) {
            System.out.printf("%-6s %,10d %13.2f%% %13.2f%% %16.2f %16.2f%n", row.model(), row.bytes(), row.top1Java(),
                    row.top1Ort(), row.msJava(), row.msOrt());
        }
        System.out.println("(top-1 on the first 1,000 Fashion-MNIST test images; latency = median of 15 runs)");
        return 0;
    }
}
