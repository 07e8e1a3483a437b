package dev.lowbit.cli;

import dev.lowbit.LowbitException;
import dev.lowbit.data.Dataset;
import dev.lowbit.data.Datasets;
import dev.lowbit.engine.Engine;
import dev.lowbit.engine.Engines;
import dev.lowbit.eval.ModelComparison;
import dev.lowbit.eval.OutputKind;
import dev.lowbit.onnx.Model;
import dev.lowbit.onnx.ModelIO;
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
        Model f = ModelIO.load(floatModel);
        Model q = ModelIO.load(quantModel);
        boolean java = switch (engine) {
            case "java" -> true;
            case "onnxruntime", "ort" -> false;
            default -> throw new LowbitException("unknown engine '" + engine + "' (use java or onnxruntime)");
        };
        if (layers && (!java || referenceEngine != null)) {
            throw new LowbitException("--layers compares lowbit's intermediate tensors: use it with --engine java and no --reference-engine");
        }
        ModelComparison.Result r;
        try (Dataset ds = Datasets.open(data, dataOptions.toOptions(f, limit))) {
            Progress p = Progress.stderr("compare", ds.size(), "samples");
            if (java && referenceEngine == null) {
                r = ModelComparison.compare(f, q, maskThreshold, ds, batch, layers, n -> p.advance(n - p.count()));
            } else {
                try (Engine fe = Engines.open(floatModel, referenceEngine != null ? referenceEngine : "onnxruntime", threads);
                     Engine qe = Engines.open(quantModel, java ? Engines.JAVA : Engines.ONNXRUNTIME, threads)) {
                    r = ModelComparison.compare(fe, qe, OutputKind.of(f), maskThreshold, ds, batch,
                            n -> p.advance(n - p.count()));
                }
            }
            p.done();
        }
        if (json) {
            Map<String, Object> o = new LinkedHashMap<>();
            o.put("samples", r.samples());
            o.put("outputs", r.outputs());
            if (layers) {
                o.put("layers", r.layers());
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
