package dev.lowbit.cli;

import dev.lowbit.data.Dataset;
import dev.lowbit.data.Datasets;
import dev.lowbit.eval.ModelComparison;
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
        description = "Compare a float model and its quantized version: top-1 agreement, SQNR (dB) and cosine per output, and per layer with --layers.")
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

    @Option(names = "--json", description = "Print the result as JSON.")
    boolean json;

    @Mixin
    DataOptions dataOptions = new DataOptions();

    @Override
    public Integer call() {
        Model f = ModelIO.load(floatModel);
        Model q = ModelIO.load(quantModel);
        ModelComparison.Result r;
        try (Dataset ds = Datasets.open(data, dataOptions.toOptions(f, limit))) {
            Progress p = Progress.stderr("compare", ds.size(), "samples");
            r = ModelComparison.compare(f, q, ds, batch, layers, n -> p.advance(n - p.count()));
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
        System.out.printf("%-28s %-28s %9s %9s %11s %7s%n", "tensor", "producer", "SQNR dB", "cosine", "max |err|", "top-1");
        for (ModelComparison.Row row : r.outputs()) {
            print(row);
        }
        if (layers) {
            System.out.println("layers:");
            for (ModelComparison.Row row : r.layers()) {
                print(row);
            }
        }
        return 0;
    }

    private static void print(ModelComparison.Row r) {
        System.out.printf("%-28s %-28s %9.2f %9.6f %11.5f %7s%n", clip(r.tensor()), clip(r.producer()), r.sqnrDb(),
                r.cosine(), r.maxAbsError(), Double.isNaN(r.top1Agreement()) ? "" : String.format("%.2f%%", r.top1Agreement()));
    }

    private static String clip(String s) {
        return s.length() <= 28 ? s : "…" + s.substring(s.length() - 27);
    }
}
