package dev.lowbit.cli;

import dev.lowbit.data.Dataset;
import dev.lowbit.data.Datasets;
import dev.lowbit.engine.Engine;
import dev.lowbit.engine.Engines;
import dev.lowbit.eval.Evaluator;
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

/** {@code lowbit eval MODEL --data DATA}: top-1 and top-5 of a classifier. */
@Command(name = "eval", mixinStandardHelpOptions = true,
        description = "Top-1 and top-5 accuracy of a classifier on a labelled data set, in lowbit's engine or ONNX Runtime.")
public final class EvalCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "MODEL", description = "The ONNX model (float or quantized).")
    Path model;

    @Option(names = "--data", required = true, paramLabel = "DATA", description = "IDX images (gz or not), a folder of class sub-folders, or .npy/.npz.")
    Path data;

    @Option(names = "--engine", defaultValue = "java", paramLabel = "NAME", description = "java or onnxruntime (default ${DEFAULT-VALUE}).")
    String engine;

    @Option(names = "--limit", defaultValue = "0", paramLabel = "N", description = "Only the first N samples (0 = all).")
    int limit;

    @Option(names = "--batch", defaultValue = "64", paramLabel = "N", description = "Batch size (default ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--threads", defaultValue = "0", paramLabel = "N", description = "Threads (0 = all cores).")
    int threads;

    @Option(names = "--json", description = "Print the result as JSON.")
    boolean json;

    @Mixin
    DataOptions dataOptions = new DataOptions();

    @Override
    public Integer call() {
        var m = ModelIO.load(model);
        try (Dataset ds = Datasets.open(data, dataOptions.toOptions(m, limit));
             Engine e = Engines.open(model, engine, threads)) {
            Progress p = Progress.stderr("eval " + e.name(), ds.size(), "images");
            Evaluator.Result r = Evaluator.evaluate(e, ds, batch, n -> p.advance(n - p.count()));
            p.done();
            if (json) {
                Map<String, Object> o = new LinkedHashMap<>();
                o.put("model", model.toString());
                o.put("engine", e.name());
                o.put("samples", r.samples());
                o.put("top1", r.top1());
                o.put("top5", r.top5());
                o.put("millis", r.millis());
                System.out.println(Json.write(o));
            } else {
                System.out.printf("%s on %d images (%s): top-1 %.2f%%  top-5 %.2f%%  (%.1f s)%n", model.getFileName(),
                        r.samples(), e.name(), r.top1(), r.top5(), r.millis() / 1000.0);
            }
        }
        return 0;
    }
}
