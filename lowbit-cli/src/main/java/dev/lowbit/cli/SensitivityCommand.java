package dev.lowbit.cli;

import dev.lowbit.data.Dataset;
import dev.lowbit.data.Datasets;
import dev.lowbit.onnx.Model;
import dev.lowbit.onnx.ModelIO;
import dev.lowbit.ptq.CalibrationMethod;
import dev.lowbit.ptq.ModelScorer;
import dev.lowbit.ptq.PtqConfig;
import dev.lowbit.ptq.QuantSearch;
import dev.lowbit.ptq.Sensitivity;
import dev.lowbit.quant.BackendProfile;
import dev.lowbit.report.Json;
import dev.lowbit.report.SensitivityTable;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code lowbit sensitivity MODEL --calib DATA --data DATA}: quantizes one layer at a time
 * (everything else float) and ranks the layers by the accuracy (or output SQNR) they cost.
 */
@Command(name = "sensitivity", mixinStandardHelpOptions = true,
        description = {"Per-layer sensitivity: quantize one layer at a time, everything else float, and rank layers by what it costs.",
            "Top-1 accuracy when the data have labels (ties by output SQNR), else output SQNR against the float model."})
public final class SensitivityCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "MODEL", description = "The float ONNX model.")
    Path model;

    @Option(names = "--calib", required = true, paramLabel = "DATA", description = "Calibration data (statistics are gathered once and reused for every layer).")
    Path calib;

    @Option(names = "--data", required = true, paramLabel = "DATA", description = "Evaluation data.")
    Path data;

    @Option(names = "--limit", defaultValue = "1000", paramLabel = "N", description = "Evaluation samples (0 = all; default ${DEFAULT-VALUE}).")
    int limit;

    @Option(names = "--calib-size", defaultValue = "512", paramLabel = "N", description = "Calibration samples (default ${DEFAULT-VALUE}).")
    int calibSize;

    @Option(names = "--weights", defaultValue = "8", paramLabel = "BITS", description = "Weight bits (default ${DEFAULT-VALUE}).")
    int weightBits;

    @Option(names = "--activations", defaultValue = "8", paramLabel = "BITS", description = "Activation bits (default ${DEFAULT-VALUE}).")
    int activationBits;

    @Option(names = "--method", defaultValue = "minmax", paramLabel = "NAME", description = "Activation calibration method (default ${DEFAULT-VALUE}).")
    String method;

    @Option(names = "--backend", defaultValue = "onnxruntime", paramLabel = "NAME", description = "Target runtime profile (default ${DEFAULT-VALUE}).")
    String backend;

    @Option(names = "--per-tensor", description = "One weight scale per tensor.")
    boolean perTensor;

    @Option(names = "--json", description = "Print the result as JSON.")
    boolean json;

    @Mixin
    DataOptions dataOptions = new DataOptions();

    @Override
    public Integer call() {
        Model floatModel = ModelIO.load(model);
        PtqConfig cfg = PtqConfig.builder().weightBits(weightBits).activationBits(activationBits).perChannel(!perTensor)
                .method(CalibrationMethod.parse(method)).backend(BackendProfile.fromName(backend)).calibSize(calibSize).build();
        Sensitivity.Result r;
        try (Dataset cal = Datasets.open(calib, dataOptions.toOptions(floatModel, calibSize).withLabels(null));
             Dataset eval = Datasets.open(data, dataOptions.toOptions(floatModel, limit))) {
            Map<String, Progress> bars = new LinkedHashMap<>();
            QuantSearch search = new QuantSearch(floatModel, cal, new ModelScorer(floatModel, eval, 100), cfg, List.of(),
                    (phase, done, total) -> {
                        Progress p = bars.computeIfAbsent(phase, k -> Progress.stderr(k, total, k.equals("calibrate") ? "samples" : "layers"));
                        p.advance(done - p.count());
                    });
            r = Sensitivity.analyze(search);
            bars.values().forEach(Progress::done);
        }
        if (json) {
            Map<String, Object> o = new LinkedHashMap<>();
            o.put("model", model.toString());
            o.put("samples", r.samples());
            o.put("metric", r.byAccuracy() ? "top1" : "sqnr");
            o.put("floatTop1", r.floatTop1());
            o.put("fullTop1", r.full().top1());
            o.put("fullSqnrDb", r.full().sqnrDb());
            List<Object> rows = new ArrayList<>();
            for (Sensitivity.Row row : r.ranked()) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("layer", row.unit().name());
                m.put("op", row.unit().opType());
                m.put("nodes", row.unit().nodes());
                m.put("top1", row.score().top1());
                m.put("sqnrDb", row.score().sqnrDb());
                m.put("drop", row.drop());
                rows.add(m);
            }
            o.put("layers", rows);
            o.put("millis", r.millis());
            System.out.println(Json.write(o));
        } else {
            printTable(System.out, r);
        }
        return 0;
    }

    /** The ranked table, most sensitive first. */
    static void printTable(PrintStream out, Sensitivity.Result r) {
        SensitivityTable.lines(r).forEach(out::println);
    }
}
