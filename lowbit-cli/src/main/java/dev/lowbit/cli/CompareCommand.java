package dev.lowbit.cli;

import dev.lowbit.Comparison;
import dev.lowbit.EvalOptions;
import dev.lowbit.Lowbit;
import dev.lowbit.LowbitException;
import dev.lowbit.OnnxModel;
import dev.lowbit.report.Json;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code lowbit compare FLOAT QUANT --data DATA}: how far a quantized model is from its float original. */
@Command(name = "compare", mixinStandardHelpOptions = true,
        description = "Compare a float model and its quantized version: SQNR (dB) and cosine per output, with top-1 agreement of class scores, mask IoU of probability maps and equal greedy-CTC decodes of sequence scores; per layer with --layers.")
public final class CompareCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "FLOAT", description = "The float ONNX model.")
    Path floatModel;

    @Parameters(index = "1", paramLabel = "QUANT", description = "The quantized ONNX model.")
    Path quantModel;

    @Option(names = "--data", required = true, paramLabel = "DATA", description = "Input data (labels not needed).")
    Path data;

    @Option(names = "--layers", description = "Also compare every intermediate tensor both models compute.")
    boolean layers;

    @Option(names = "--limit", defaultValue = "1000", paramLabel = "N", description = "Samples to compare (default ${DEFAULT-VALUE}, 0 = all).")
    int limit;

    @Option(names = "--batch", defaultValue = "32", paramLabel = "N", description = "Batch size (default ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--engine", defaultValue = "java", paramLabel = "NAME",
            description = "Run both models in java (lowbit's engine) or onnxruntime (default ${DEFAULT-VALUE}; --layers needs java).")
    String engine;

    @Option(names = "--reference-engine", paramLabel = "NAME",
            description = "Run FLOAT on this engine and QUANT on --engine: with the same model twice, how far lowbit's engine is from ONNX Runtime (max |err| 0 = identical outputs).")
    String referenceEngine;

    @Option(names = "--threads", defaultValue = "0", paramLabel = "N", description = "Threads (0 = all cores).")
    int threads;

    @Option(names = "--mask-threshold", defaultValue = "0.5", paramLabel = "T",
            description = "Probability-map outputs (a Sigmoid's maps) are compared as masks of the values above T: mean IoU (default ${DEFAULT-VALUE}; DB text detectors use 0.3).")
    double maskThreshold;

    @Option(names = "--json", description = "Print the result as JSON.")
    boolean json;

    @Mixin
    DataOptions dataOptions = new DataOptions();

    @Override
    public Integer call() {
        OnnxModel f = Lowbit.load(floatModel);
        OnnxModel q = Lowbit.load(quantModel);
        boolean java = switch (engine) {
            case "java" -> true;
            case "onnxruntime", "ort" -> false;
            default -> throw new LowbitException("unknown engine '" + engine + "' (use java or onnxruntime)");
        };
        if (layers && (!java || referenceEngine != null)) {
            throw new LowbitException("--layers compares lowbit's intermediate tensors: use it with --engine java and no --reference-engine");
        }
        ProgressBars bars = new ProgressBars(phase -> "samples");
        Comparison r = f.compare(q, dataOptions.source(data), EvalOptions.builder().engine(java ? "java" : "onnxruntime")
                .referenceEngine(referenceEngine).threads(threads).batchSize(batch).samples(limit)
                .maskThreshold(maskThreshold).layers(layers).progress(bars).build());
        bars.done();
        if (json) {
            Map<String, Object> o = new LinkedHashMap<>();
            o.put("samples", r.samples());
            o.put("outputs", ComparisonTable.json(r.outputs()));
            if (layers) {
                o.put("layers", ComparisonTable.json(r.layers()));
            }
            System.out.println(Json.write(o));
            return 0;
        }
        System.out.printf("%d samples%n", r.samples());
        ComparisonTable.print(r.outputs());
        if (layers) {
            System.out.println("layers:");
            ComparisonTable.rows(r.layers());
        }
        return 0;
    }
}
