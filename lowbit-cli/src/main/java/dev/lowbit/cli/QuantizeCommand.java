package dev.lowbit.cli;

import dev.lowbit.LowbitException;
import dev.lowbit.data.Dataset;
import dev.lowbit.data.Datasets;
import dev.lowbit.export.QOperatorWriter;
import dev.lowbit.onnx.Model;
import dev.lowbit.onnx.ModelIO;
import dev.lowbit.passes.GraphCleanup;
import dev.lowbit.ptq.AdaRound;
import dev.lowbit.ptq.BatchNormStats;
import dev.lowbit.ptq.BiasCorrection;
import dev.lowbit.ptq.CalibrationMethod;
import dev.lowbit.ptq.CrossLayerEqualization;
import dev.lowbit.ptq.DynamicQuantizer;
import dev.lowbit.ptq.EasyQuant;
import dev.lowbit.ptq.PostTrainingQuantizer;
import dev.lowbit.ptq.PtqConfig;
import dev.lowbit.ptq.SmoothQuant;
import dev.lowbit.ptq.PtqResult;
import dev.lowbit.ptq.PtqStep;
import dev.lowbit.quant.Recipe;
import dev.lowbit.quant.BackendProfile;
import dev.lowbit.quant.QuantScheme;
import dev.lowbit.report.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code lowbit quantize MODEL -o OUT --calib DATA}: post-training quantization to a QDQ (or
 * QOperator) ONNX model. With no arguments it quantizes the bundled Fashion-MNIST example.
 */
@Command(name = "quantize", mixinStandardHelpOptions = true,
        description = {"Post-training quantization: calibrate on a little data, write a quantized ONNX model.",
            "With no arguments: quantize the bundled example CNN and report fp32 vs int8 accuracy, size and speed."})
public final class QuantizeCommand implements Callable<Integer> {
    @Parameters(index = "0", arity = "0..1", paramLabel = "MODEL", description = "The float ONNX model.")
    Path modelArg;

    @Option(names = "--model", paramLabel = "MODEL", description = "The float ONNX model (same as the positional MODEL; for config files).")
    Path modelOpt;

    @Option(names = {"-o", "--output"}, paramLabel = "OUT", description = "Where to write the quantized model.")
    Path output;

    @Option(names = "--calib", paramLabel = "DATA", description = "Calibration data: IDX images, a folder of class sub-folders, or .npy/.npz.")
    Path calib;

    @Option(names = "--calib-size", defaultValue = "512", paramLabel = "N", description = "Calibration samples (default ${DEFAULT-VALUE}).")
    int calibSize;

    @Option(names = "--weights", defaultValue = "8", paramLabel = "BITS", description = "Weight bits, 2-16 (default ${DEFAULT-VALUE}).")
    int weightBits;

    @Option(names = "--activations", defaultValue = "8", paramLabel = "BITS", description = "Activation bits, 2-16 (default ${DEFAULT-VALUE}).")
    int activationBits;

    @Option(names = "--per-channel", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "One weight scale per output channel (default); --no-per-channel or --per-tensor for one per tensor.")
    boolean perChannel;

    @Option(names = "--per-tensor", description = "One weight scale per tensor.")
    boolean perTensor;

    @Option(names = "--weight-scheme", paramLabel = "SCHEME", description = "Explicit weight scheme, e.g. int8-sym-narrow (overrides the backend default).")
    String weightScheme;

    @Option(names = "--activation-scheme", paramLabel = "SCHEME", description = "Explicit activation scheme, e.g. uint8-asym or int8-sym.")
    String activationScheme;

    @Option(names = "--method", defaultValue = "minmax", paramLabel = "NAME",
            description = "Activation calibration: minmax, ema, percentile[:P], entropy, mse or best (default ${DEFAULT-VALUE}).")
    String method;

    @Option(names = "--first-last-bits", defaultValue = "0", paramLabel = "BITS",
            description = "Bits of the first and last quantized layers (weights and their inputs), e.g. 8 in a 4-bit model; 0 = same as the rest.")
    int firstLastBits;

    @Option(names = "--weight-method", defaultValue = "minmax", paramLabel = "NAME", description = "Weight ranges: minmax or mse (default ${DEFAULT-VALUE}).")
    String weightMethod;

    @Option(names = "--backend", defaultValue = "onnxruntime", paramLabel = "NAME",
            description = "Target runtime: onnxruntime, tensorrt, openvino or generic (default ${DEFAULT-VALUE}).")
    String backend;

    @Option(names = "--format", defaultValue = "qdq", paramLabel = "qdq|qoperator", description = "Output format (default ${DEFAULT-VALUE}).")
    String format;

    @Option(names = "--exclude", split = ",", paramLabel = "NODE", description = "Node names to keep float.")
    List<String> exclude;

    @Option(names = "--outputs", split = ",", paramLabel = "NAME",
            description = "Keep only these graph outputs: the nodes that compute only the others (a pooler nobody reads) are dropped before quantizing.")
    List<String> outputs;

    @Option(names = "--batch", defaultValue = "32", paramLabel = "N", description = "Calibration batch size (default ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--cle", negatable = true, description = {"Cross-layer equalization with bias absorption before quantizing (DFQ).",
        "Replaces the ReLU6/Clip(0,m) between equalized layers by ReLU, which changes the float model slightly."})
    boolean cle;

    @Option(names = "--smoothquant", arity = "0..1", fallbackValue = "0.5", paramLabel = "ALPHA",
            description = {"SmoothQuant everywhere: move outlier activation channels' range into the weights that read them,",
                "s = max|x|^ALPHA / max|w|^(1-ALPHA) (default ALPHA 0.5), inserting a float Mul where no producer absorbs it.",
                "By default it runs only where a LayerNorm or constant Mul/Add absorbs the division."})
    Double smoothquant;

    @Option(names = "--no-smoothquant", description = "No SmoothQuant at all (not even where a producer absorbs it).")
    boolean noSmoothquant;

    @Option(names = "--bias-correction", arity = "0..1", fallbackValue = "empirical", paramLabel = "empirical|analytic",
            description = "Correct the bias shift weight rounding causes; E[x] from calibration data (default) or from BN statistics.")
    String biasCorrection;

    @Option(names = "--config", paramLabel = "FILE.yaml", description = "YAML file whose keys are these flags' long names (flags on the command line win).")
    Path config;

    @Option(names = "--adaround", description = "Learn each weight's rounding (AdaRound) instead of rounding to nearest.")
    boolean adaround;

    @Option(names = "--adaround-iters", defaultValue = "2000", paramLabel = "N",
            description = "AdaRound iterations per layer (default ${DEFAULT-VALUE}; AIMET uses 10000).")
    int adaroundIters;

    @Option(names = "--json", description = "Print the result as JSON.")
    boolean json;

    @Option(names = "--report", paramLabel = "FILE.html",
            description = "Also write a self-contained HTML report: ranges, histograms and SQNR per layer.")
    Path reportFile;

    @Option(names = "--easyquant", description = "EasyQuant: search weight, then activation scales maximising each layer's output cosine similarity to float (Wu et al. 2020).")
    boolean easyquant;

    @Option(names = "--easyquant-samples", defaultValue = "50", paramLabel = "N", description = "Calibration samples EasyQuant scores (default ${DEFAULT-VALUE}).")
    int easyquantSamples;

    @Option(names = "--easyquant-range", defaultValue = "0.5,2", paramLabel = "LO,HI",
            description = "Scale multipliers EasyQuant tries, 100 evenly spaced (default ${DEFAULT-VALUE}).")
    String easyquantRange;

    @Option(names = "--easyquant-act-range", paramLabel = "LO,HI",
            description = "Activation scale multipliers, if different (the released tool used 0.8,1.0; default: --easyquant-range).")
    String easyquantActRange;

    @Option(names = "--easyquant-holdout", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Keep a searched scale only if held-out samples (every other one) confirm it beats the calibrated one (default); --no-easyquant-holdout = the paper.")
    boolean easyquantHoldout;

    @Option(names = "--max-drop", paramLabel = "P", description = "Partial quantization: keep the most sensitive layers float until top-1 is within P points of float (needs --data).")
    Double maxDrop;

    @Option(names = "--mixed-precision", description = "Per-layer weight bits under --size-budget: lower the layers whose quantization adds the least noise per byte.")
    boolean mixedPrecision;

    @Option(names = "--size-budget", paramLabel = "BYTES|RATIO", description = "Packed weight size for --mixed-precision: bytes, or a fraction (<= 1) of the size at --weights bits.")
    Double sizeBudget;

    @Option(names = "--mixed-bits", defaultValue = "4", split = ",", paramLabel = "BITS", description = "Lower weight widths --mixed-precision may use (default ${DEFAULT-VALUE}).")
    int[] mixedBits;

    @Option(names = "--data", paramLabel = "DATA", description = "Labelled evaluation data for --max-drop / --mixed-precision.")
    Path data;

    @Option(names = "--eval-limit", defaultValue = "1000", paramLabel = "N", description = "Evaluation samples for --max-drop / --mixed-precision (0 = all; default ${DEFAULT-VALUE}).")
    int evalLimit;

    @Mixin
    DataOptions dataOptions = new DataOptions();

    @Override
    public Integer call() throws Exception {
        Path model = modelArg != null ? modelArg : modelOpt;
        if (model == null && output == null && calib == null) {
            return BundledExample.run(json);
        }
        boolean dynamic = switch (mode) {
            case "static" -> false;
            case "dynamic" -> true;
            default -> throw new LowbitException("--mode must be static or dynamic, got '" + mode + "'");
        };
        if (model == null || output == null || (calib == null && !dynamic)) {
            throw new LowbitException("quantize needs MODEL, -o OUT and --calib DATA (or --mode dynamic, or no arguments for"
                    + " the bundled example)");
        }
        checkOptions();
        if (dynamic) {
            return quantizeDynamic(model);
        }
        PtqConfig cfg = config();
        Model floatModel = load(model);
        PtqResult r;
        try (Dataset ds = Datasets.open(calib, dataOptions.toOptions(floatModel, calibSize))) {
            if (maxDrop != null || mixedPrecision) {
                r = QuantizeSearch.run(this, floatModel, ds, cfg, steps(floatModel));
            } else {
                r = quantize(floatModel, ds, cfg, json, steps(floatModel));
            }
        }
        // The report reads the QDQ graph (its QuantizeLinear/DequantizeLinear pairs); QOperator conversion edits in place.
        Model out = reportFile != null && format.equals("qoperator") ? r.quantized().copy() : r.quantized();
        if (format.equals("qoperator")) {
            QOperatorWriter.convert(out);
        }
        ModelIO.save(out, output);
        if (reportFile != null) {
            writeHtmlReport(model, floatModel, r);
        }
        report(model, r);
        return 0;
    }

    /** The float model with only the {@code --outputs} asked for, its {@code --exclude} nodes checked. */
    private Model load(Path model) {
        Model floatModel = ModelIO.load(model);
        if (outputs != null && !outputs.isEmpty()) {
            try {
                GraphCleanup.keepOutputs(floatModel.graph(), outputs);
            } catch (LowbitException e) {
                throw new LowbitException(model + ": --outputs: " + e.getMessage());
            }
        }
        Checks.nodesExist("--exclude", exclude, floatModel.graph(), model);
        return floatModel;
    }

    /** {@code --mode dynamic}: int8 weights, activations quantized at run time; no calibration data. */
    private int quantizeDynamic(Path model) throws java.io.IOException {
        if (calib != null || reportFile != null || maxDrop != null || mixedPrecision || adaround || easyquant || smoothquant != null
                || format.equals("qoperator")) {
            throw new LowbitException("--mode dynamic takes no calibration data and none of --calib, --report, --max-drop,"
                    + " --mixed-precision, --adaround, --easyquant, --smoothquant, --format qoperator");
        }
        Model floatModel = load(model);
        DynamicQuantizer.Result r = new DynamicQuantizer(config()).quantize(floatModel);
        ModelIO.save(r.quantized(), output);
        long in = Files.size(model);
        long out = Files.size(output);
        if (json) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("model", model.toString());
            m.put("output", output.toString());
            m.put("mode", "dynamic");
            m.put("quantizedNodes", r.plan().quantizedNodes().size());
            m.put("floatNodes", r.plan().floatNodes());
            m.put("inputBytes", in);
            m.put("outputBytes", out);
            m.put("millis", r.millis());
            m.put("notes", r.notes());
            System.out.println(Json.write(m));
            return 0;
        }
        System.out.printf("quantized %s -> %s (dynamic)%n", model.getFileName(), output);
        System.out.printf("%d nodes quantized, %d kept float%n", r.plan().quantizedNodes().size(), r.plan().floatNodes().size());
        r.notes().forEach((k, v) -> System.out.printf("  %s: %s%n", k, v));
        System.out.printf("size %,d -> %,d bytes (%.1fx smaller); %.1f s%n", in, out, (double) in / out, r.millis() / 1000.0);
        return 0;
    }

    /** Per-layer sensitivity measured by --max-drop, for the report's sensitivity chart (null otherwise). */
    dev.lowbit.ptq.Sensitivity.Result sensitivity;

    /** The HTML report; per-layer SQNR is measured on the first samples of the calibration data. */
    private void writeHtmlReport(Path model, Model floatModel, PtqResult r) throws java.io.IOException {
        int n = dev.lowbit.report.QuantReportBuilder.DEFAULT_SAMPLES;
        try (Dataset ds = Datasets.open(calib, dataOptions.toOptions(floatModel, Math.min(n, calibSize)))) {
            dev.lowbit.report.QuantReport rep = new dev.lowbit.report.QuantReportBuilder(r)
                    .model(model.toString(), Files.size(model)).output(output.toString(), Files.size(output))
                    .format(format).compareOn(ds, n, batch)
                    .sensitivity(sensitivity == null ? null : (sensitivity.byAccuracy() ? "top-1 drop (points)" : "SQNR drop (dB)"),
                            sensitivity == null ? java.util.List.of() : sensitivity.ranked().stream()
                                    .map(row -> new dev.lowbit.report.QuantReport.LayerMetric(row.unit().name(), row.drop())).toList())
                    .build();
            dev.lowbit.report.HtmlReport.write(rep, reportFile);
            if (rep.summary().comparisonError() != null) {
                System.err.println("lowbit: report: per-layer SQNR not measured: " + rep.summary().comparisonError());
            }
        }
    }

    /** Flags that contradict each other or are out of range, before anything is read. */
    private void checkOptions() {
        if (spec != null && perTensor && spec.commandLine().getParseResult().hasMatchedOption("--per-channel") && perChannel) {
            throw new LowbitException("--per-channel and --per-tensor contradict each other: give one");
        }
        Checks.outputFile("-o", output);
        Checks.outputFile("--report", reportFile);
        Checks.atLeast("--calib-size", calibSize, 1);
        Checks.atLeast("--batch", batch, 1);
        Checks.bits("--weights", weightBits);
        Checks.bits("--activations", activationBits);
        Checks.atLeast("--adaround-iters", adaroundIters, 1);
        Checks.atLeast("--easyquant-samples", easyquantSamples, 1);
        Checks.atLeast("--eval-limit", evalLimit, 0);
        if (smoothquant != null) {
            Checks.within("--smoothquant", smoothquant, 0, 1);
            if (noSmoothquant) {
                throw new LowbitException("--smoothquant and --no-smoothquant contradict each other");
            }
        }
        if (maxDrop != null) {
            Checks.within("--max-drop", maxDrop, 0, 100);
        }
        if (sizeBudget != null) {
            Checks.finitePositive("--size-budget", sizeBudget);
        }
        if (mixedPrecision && sizeBudget == null) {
            throw new LowbitException("--mixed-precision needs --size-budget (bytes, or a fraction of the size at --weights bits)");
        }
        for (int b : mixedBits) {
            Checks.bits("--mixed-bits", b);
        }
    }

    @Option(names = "--mode", defaultValue = "static", paramLabel = "static|dynamic",
            description = "static: activations calibrated on --calib data (default); dynamic: int8 weights, activations quantized at run time (DynamicQuantizeLinear + MatMulInteger, as ONNX Runtime's quantize_dynamic), no data needed.")
    String mode;

    @Option(names = "--recipe", defaultValue = "auto", paramLabel = "auto|cnn|transformer",
            description = "Where quantizers go: cnn (integer end to end), transformer (matrix products only; mask, Softmax, LayerNorm, GELU and residuals float), or auto: transformer when the graph has attention (default ${DEFAULT-VALUE}).")
    String recipe;

    @Option(names = "--allow-nonfinite", description = "Calibrate on data holding NaN or infinity (default: refuse it, naming the sample).")
    boolean allowNonFinite;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    PtqConfig config() {
        if (!format.equals("qdq") && !format.equals("qoperator")) {
            throw new LowbitException("--format must be qdq or qoperator, got '" + format + "'");
        }
        PtqConfig.Builder b = PtqConfig.builder().weightBits(weightBits).activationBits(activationBits)
                .perChannel(perChannel && !perTensor).method(CalibrationMethod.parse(method)).weightMethod(weightMethod)
                .backend(BackendProfile.fromName(backend)).calibSize(calibSize).batchSize(batch)
                .exclude(exclude == null ? java.util.Set.of() : new LinkedHashSet<>(exclude)).firstLastBits(firstLastBits)
                .allowNonFinite(allowNonFinite).recipe(recipe.equalsIgnoreCase("auto") ? null : Recipe.parse(recipe))
                .smoothQuant(noSmoothquant ? SmoothQuant.Mode.OFF : smoothquant != null ? SmoothQuant.Mode.FULL : SmoothQuant.Mode.FOLDED,
                        smoothquant != null ? smoothquant : 0.5);
        if (weightScheme != null) {
            b.weightScheme(QuantScheme.parse(weightScheme));
        }
        if (activationScheme != null) {
            b.activationScheme(QuantScheme.parse(activationScheme));
        }
        return b.build();
    }

    /**
     * The algorithm steps the flags ask for, in the white paper's order: CLE on the float graph;
     * AdaRound replaces round-to-nearest weights; bias correction then compensates what rounding
     * left; EasyQuant searches scales once activations are calibrated.
     */
    List<PtqStep> steps(Model floatModel) {
        List<PtqStep> out = new java.util.ArrayList<>();
        BatchNormStats bn = cle || biasCorrection != null ? BatchNormStats.capture(floatModel) : BatchNormStats.none();
        if (cle) {
            out.add(new CrossLayerEqualization(CrossLayerEqualization.Options.defaults(), bn));
        }
        if (adaround) {
            out.add(new AdaRound(adaroundIters));
        }
        if (biasCorrection != null) {
            out.add(new BiasCorrection(BiasCorrection.Mode.parse(biasCorrection), bn));
        }
        if (easyquant) {
            double[] w = QuantizeSearch.range(easyquantRange, "--easyquant-range");
            double[] a = easyquantActRange == null ? w : QuantizeSearch.range(easyquantActRange, "--easyquant-act-range");
            out.add(new EasyQuant(new EasyQuant.Options(easyquantSamples, 100, w[0], w[1], a[0], a[1], easyquantHoldout)));
        }
        return out;
    }

    static PtqResult quantize(Model floatModel, Dataset ds, PtqConfig cfg, boolean quiet) {
        return quantize(floatModel, ds, cfg, quiet, List.of());
    }

    static PtqResult quantize(Model floatModel, Dataset ds, PtqConfig cfg, boolean quiet, List<PtqStep> steps) {
        Map<String, Progress> bars = new LinkedHashMap<>();
        PostTrainingQuantizer ptq = new PostTrainingQuantizer(cfg);
        steps.forEach(ptq::step);
        PtqResult r = ptq.progress((phase, done, total) -> {
            Progress p = bars.computeIfAbsent(phase, k -> Progress.stderr(k, total, k.equals("calibrate") || k.endsWith("statistics") ? "samples"
                    : k.equals("adaround") ? "iterations" : k.startsWith("easyquant") ? "layers" : "methods"));
            p.advance(done - p.count());
        }).quantize(floatModel, ds);
        bars.values().forEach(Progress::done);
        return r;
    }

    private void report(Path model, PtqResult r) throws java.io.IOException {
        long in = Files.size(model);
        long out = Files.size(output);
        if (json) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("model", model.toString());
            m.put("output", output.toString());
            m.put("format", format);
            m.put("method", r.method().toString());
            m.put("candidateScoresDb", r.candidateScores());
            m.put("calibrationSamples", r.calibrationSamples());
            m.put("quantizedNodes", r.plan().quantizedNodes().size());
            m.put("floatNodes", r.plan().floatNodes());
            m.put("inputBytes", in);
            m.put("outputBytes", out);
            m.put("millis", r.millis());
            m.put("notes", r.notes());
            if (r.quality() != null) {
                m.put("quality", r.quality());
            }
            if (reportFile != null) {
                m.put("report", reportFile.toString());
            }
            System.out.println(Json.write(m));
            return;
        }
        System.out.printf("quantized %s -> %s (%s, %s)%n", model.getFileName(), output, format, r.method());
        if (!r.candidateScores().isEmpty()) {
            System.out.println("held-out output SQNR per calibration method:");
            r.candidateScores().forEach((k, v) -> System.out.printf("  %-18s %7.2f dB%s%n", k, v,
                    k.equals(r.method().toString()) ? "  <- chosen" : ""));
        }
        System.out.printf("%d nodes quantized, %d kept float%n", r.plan().quantizedNodes().size(), r.plan().floatNodes().size());
        if (r.plan().floatNodes().size() <= 40) {
            r.plan().floatNodes().forEach((n, why) -> System.out.printf("  float: %-24s %s%n", n, why));
        } else { // a transformer keeps hundreds of small ops float: one line per reason
            Map<String, Integer> byReason = new java.util.TreeMap<>();
            r.plan().floatNodes().values().forEach(why -> byReason.merge(why, 1, Integer::sum));
            byReason.forEach((why, count) -> System.out.printf("  float: %4d x %s%n", count, why));
        }
        new java.util.TreeMap<>(r.notes()).forEach((k, v) -> System.out.printf("  %s: %s%n", k, v));
        System.out.printf("size %,d -> %,d bytes (%.1fx smaller); calibration on %d samples; %.1f s%n", in, out,
                (double) in / out, r.calibrationSamples(), r.millis() / 1000.0);
        if (r.quality() != null) {
            for (var row : r.quality().outputs()) {
                System.out.printf(Locale.ROOT, "check: output %s cosine %.4f, SQNR %.1f dB vs float on %d %s samples%n",
                        row.tensor(), row.meanSampleCosine(), row.sqnrDb(), r.quality().samples(),
                        r.quality().heldOut() ? "held-out" : "calibration");
            }
            if (r.quality().warning() != null) {
                System.err.println("lowbit: warning: " + r.quality().warning());
            }
        }
        if (reportFile != null) {
            System.out.println("report: " + reportFile);
        }
    }
}
