package dev.lowbit.cli;

import dev.lowbit.EvalOptions;
import dev.lowbit.Evaluation;
import dev.lowbit.Lowbit;
import dev.lowbit.OnnxModel;
import dev.lowbit.OutputStats;
import dev.lowbit.report.Json;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code lowbit eval MODEL --data DATA}: top-1 and top-5 of a classifier; for any output its
 * value statistics, and with {@code --reference FLOAT} its SQNR, cosine and task agreement.
 */
@Command(name = "eval", mixinStandardHelpOptions = true,
        description = {"Run a model over a data set in lowbit's engine or ONNX Runtime: top-1 and top-5 of class scores against labels, "
                + "every output's statistics (shape, mean, std, range, NaN/Inf), and with --reference the SQNR, cosine and "
                + "agreement of every output (embeddings, maps, sequences) with the float model's."})
public final class EvalCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "MODEL", description = "The ONNX model (float or quantized).")
    Path model;

    @Option(names = "--data", required = true, paramLabel = "DATA",
            description = "IDX images (gz or not), an image folder, .npy/.npz, NAME.npy or test_data_set_* folders, or sentences (.txt with --tokenizer).")
    Path data;

    @Option(names = "--reference", paramLabel = "FLOAT",
            description = "The float model MODEL was made from: every output is also compared with its outputs on the same data.")
    Path reference;

    @Option(names = "--mask-threshold", defaultValue = "0.5", paramLabel = "T",
            description = "With --reference, probability maps are compared as masks of the values above T (default ${DEFAULT-VALUE}).")
    double maskThreshold;

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
        OnnxModel m = Lowbit.load(model);
        OnnxModel ref = reference == null ? null : Lowbit.load(reference);
        ProgressBars bars = new ProgressBars(phase -> "samples");
        EvalOptions options = EvalOptions.builder().engine(engine).threads(threads).batchSize(batch).samples(limit)
                .maskThreshold(maskThreshold).progress(bars).build();
        Evaluation r = ref == null ? m.evaluate(dataOptions.source(data), options)
                : m.evaluateAgainst(ref, dataOptions.source(data), options);
        bars.done();
        if (json) {
            System.out.println(Json.write(json(r)));
        } else {
            print(r);
        }
        return 0;
    }

    private Map<String, Object> json(Evaluation r) {
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("model", model.toString());
        o.put("engine", r.engine());
        o.put("samples", r.samples());
        r.accuracy().ifPresent(a -> {
            o.put("top1", a.top1Percent());
            o.put("top5", a.top5Percent());
        });
        o.put("millis", r.millis());
        o.put("outputs", r.outputs());
        if (reference != null) {
            o.put("reference", reference.toString());
            o.put("vsReference", ComparisonTable.json(r.vsReference()));
        }
        return o;
    }

    private void print(Evaluation r) {
        if (r.accuracy().isPresent()) {
            System.out.printf("%s on %d images (%s): top-1 %.2f%%  top-5 %.2f%%  (%.1f s)%n", model.getFileName(),
                    r.samples(), r.engine(), r.accuracy().get().top1Percent(), r.accuracy().get().top5Percent(),
                    r.millis() / 1000.0);
        } else {
            System.out.printf("%s on %d samples (%s, %.1f s)%n", model.getFileName(), r.samples(), r.engine(),
                    r.millis() / 1000.0);
        }
        boolean onlyScores = r.accuracy().isPresent() && r.outputs().size() == 1;
        if (!onlyScores) {
            System.out.printf("%-28s %-18s %11s %11s %11s %11s  %s%n", "output", "shape", "mean", "std", "min", "max",
                    "NaN/Inf");
            for (OutputStats s : r.outputs()) {
                System.out.printf("%-28s %-18s %11.5g %11.5g %11.5g %11.5g  %d%n", ComparisonTable.clip(s.output()),
                        s.shape(), s.mean(), s.std(), s.min(), s.max(), s.nonFinite());
            }
        }
        if (reference != null) {
            System.out.println("against " + reference.getFileName() + ":");
            ComparisonTable.print(r.vsReference());
        } else if (r.accuracy().isEmpty()) {
            System.out.println(r.classOutput().isEmpty()
                    ? "no output holds class scores: give --reference FLOAT.onnx for SQNR and cosine against the float model"
                    : "no labels: give --labels for top-1, or --reference FLOAT.onnx for agreement with the float model");
        }
    }
}
