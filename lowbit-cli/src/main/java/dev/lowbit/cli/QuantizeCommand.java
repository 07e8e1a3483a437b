package dev.lowbit.cli;

import dev.lowbit.Backend;
import dev.lowbit.BiasCorrectionMode;
import dev.lowbit.EasyQuantOptions;
import dev.lowbit.Format;
import dev.lowbit.Lowbit;
import dev.lowbit.LowbitException;
import dev.lowbit.Mode;
import dev.lowbit.QuantizeOptions;
import dev.lowbit.QuantizeResult;
import dev.lowbit.Recipe;
import dev.lowbit.Scheme;
import dev.lowbit.SmoothQuantMode;
import dev.lowbit.WeightMethod;
import dev.lowbit.report.Json;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code lowbit quantize MODEL -o OUT --calib DATA}: post-training quantization to a QDQ (or
 * QOperator) ONNX model. With no arguments it quantizes the bundled Fashion-MNIST example.
 *
 * <p>A thin layer over the library's API: the flags are checked (named as flags), turned into
 * {@link QuantizeOptions}, and {@link dev.lowbit.OnnxModel#quantize} does the work; this class
 * only draws progress and prints the result.
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

    @Option(names = "--mode", defaultValue = "static", paramLabel = "static|dynamic",
            description = "static: activations calibrated on --calib data (default); dynamic: int8 weights, activations quantized at run time (DynamicQuantizeLinear + MatMulInteger, as ONNX Runtime's quantize_dynamic), no data needed.")
    String mode;

    @Option(names = "--recipe", defaultValue = "auto", paramLabel = "auto|cnn|transformer",
            description = "Where quantizers go: cnn (integer end to end), transformer (matrix products only; mask, Softmax, LayerNorm, GELU and residuals float), or auto: transformer when the graph has attention (default ${DEFAULT-VALUE}).")
    String recipe;

    @Option(names = "--allow-nonfinite", description = "Calibrate on data holding NaN or infinity (default: refuse it, naming the sample).")
    boolean allowNonFinite;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        Path model = modelArg != null ? modelArg : modelOpt;
        if (model == null && output == null && calib == null) {
            return BundledExample.run(json);
        }
        Mode m = switch (mode) {
            case "static" -> Mode.STATIC;
            case "dynamic" -> Mode.DYNAMIC;
            default -> throw new LowbitException("--mode must be static or dynamic, got '" + mode + "'");
        };
        if (model == null || output == null || (calib == null && m == Mode.STATIC)) {
            throw new LowbitException("quantize needs MODEL, -o OUT and --calib DATA (or --mode dynamic, or no arguments for"
                    + " the bundled example)");
        }
        checkOptions(m);
        QuantizeOptions options = options(m);
        ProgressBars bars = new ProgressBars(QuantizeCommand::unit);
        QuantizeResult r = Lowbit.load(model).quantize(options.toBuilder().progress(bars).build());
        bars.done();
        r.warnings().forEach(w -> System.err.println("lowbit: " + w));
        if (m == Mode.DYNAMIC) {
            reportDynamic(model, r);
        } else {
            report(model, r);
        }
        return 0;
    }

    /** What one step of a phase is called on its progress bar. */
    static String unit(String phase) {
        if (phase.equals("calibrate") || phase.endsWith("statistics")) {
            return "samples";
        }
        if (phase.equals("adaround")) {
            return "iterations";
        }
        if (phase.startsWith("easyquant")) {
            return "layers";
        }
        return phase.equals("score methods") ? "methods" : "runs";
    }

    /** Flags that contradict each other or are out of range, before anything is read. */
    private void checkOptions(Mode m) {
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
        if (!format.equals("qdq") && !format.equals("qoperator")) {
            throw new LowbitException("--format must be qdq or qoperator, got '" + format + "'");
        }
        if (m == Mode.DYNAMIC && (calib != null || reportFile != null || maxDrop != null || mixedPrecision || adaround
                || easyquant || smoothquant != null || format.equals("qoperator"))) {
            throw new LowbitException("--mode dynamic takes no calibration data and none of --calib, --report, --max-drop,"
                    + " --mixed-precision, --adaround, --easyquant, --smoothquant, --format qoperator");
        }
        if ((maxDrop != null || mixedPrecision) && data == null) {
            throw new LowbitException((maxDrop != null ? "--max-drop" : "--mixed-precision") + " needs --data DATA (labelled evaluation images)");
        }
        if (maxDrop != null && mixedPrecision) {
            throw new LowbitException("use --max-drop or --mixed-precision, not both");
        }
    }

    /** The flags as the library's options (strings parsed here, with the flags' names in messages). */
    QuantizeOptions options(Mode m) {
        QuantizeOptions.Builder b = QuantizeOptions.builder().output(output).mode(m)
                .format(format.equals("qoperator") ? Format.QOPERATOR : Format.QDQ)
                .weightBits(weightBits).activationBits(activationBits).perChannel(perChannel && !perTensor)
                .calibrationMethod(method).weightMethod(WeightMethod.parse(weightMethod)).backend(Backend.parse(backend))
                .calibrationSamples(calibSize).batchSize(batch).exclude(exclude == null ? List.of() : exclude)
                .keepOutputs(outputs == null ? List.of() : outputs).firstLastBits(firstLastBits)
                .allowNonFinite(allowNonFinite).recipe(Recipe.parse(recipe))
                .smoothQuant(noSmoothquant ? SmoothQuantMode.OFF : smoothquant != null ? SmoothQuantMode.EVERYWHERE
                        : SmoothQuantMode.ABSORBED, smoothquant != null ? smoothquant : 0.5)
                .crossLayerEqualization(cle).adaRound(adaround ? adaroundIters : 0).report(reportFile);
        if (weightScheme != null) {
            b.weightScheme(Scheme.parse(weightScheme));
        }
        if (activationScheme != null) {
            b.activationScheme(Scheme.parse(activationScheme));
        }
        if (calib != null) {
            b.calibrationData(dataOptions.source(calib));
        }
        if (biasCorrection != null) {
            b.biasCorrection(BiasCorrectionMode.parse(biasCorrection));
        }
        if (easyquant) {
            double[] w = range(easyquantRange, "--easyquant-range");
            double[] a = easyquantActRange == null ? w : range(easyquantActRange, "--easyquant-act-range");
            b.easyQuant(new EasyQuantOptions(easyquantSamples, w[0], w[1], a[0], a[1], easyquantHoldout));
        }
        if (maxDrop != null || mixedPrecision) {
            b.evaluationData(dataOptions.source(data), evalLimit);
        }
        if (maxDrop != null) {
            b.maxTop1Drop(maxDrop);
        } else if (mixedPrecision) {
            b.mixedPrecision(sizeBudget, mixedBits);
        }
        return b.build();
    }

    /** Parses "LO,HI". */
    static double[] range(String text, String flag) {
        String[] p = text.split(",");
        try {
            if (p.length == 2) {
                double lo = Double.parseDouble(p[0].trim());
                double hi = Double.parseDouble(p[1].trim());
                if (lo > 0 && lo < hi) {
                    return new double[] {lo, hi};
                }
            }
        } catch (NumberFormatException e) {
            // fall through to the one-line message
        }
        throw new LowbitException(flag + " must be LO,HI with 0 < LO < HI, e.g. 0.5,2; got '" + text + "'");
    }

    private void reportDynamic(Path model, QuantizeResult r) {
        if (json) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("model", model.toString());
            m.put("output", output.toString());
            m.put("mode", "dynamic");
            m.put("quantizedNodes", r.quantizedNodes().size());
            m.put("floatNodes", r.floatNodes());
            m.put("inputBytes", r.inputBytes());
            m.put("outputBytes", r.outputBytes());
            m.put("millis", r.millis());
            m.put("notes", r.notes());
            System.out.println(Json.write(m));
            return;
        }
        System.out.printf("quantized %s -> %s (dynamic)%n", model.getFileName(), output);
        System.out.printf("%d nodes quantized, %d kept float%n", r.quantizedNodes().size(), r.floatNodes().size());
        r.notes().forEach((k, v) -> System.out.printf("  %s: %s%n", k, v));
        System.out.printf("size %,d -> %,d bytes (%.1fx smaller); %.1f s%n", r.inputBytes(), r.outputBytes(),
                r.compression(), r.millis() / 1000.0);
    }

    private void report(Path model, QuantizeResult r) {
        if (json) {
            System.out.println(Json.write(json(model, r)));
            return;
        }
        System.out.printf("quantized %s -> %s (%s, %s)%n", model.getFileName(), output, format, r.calibrationMethodName());
        if (!r.candidateScoresDb().isEmpty()) {
            System.out.println("held-out output SQNR per calibration method:");
            r.candidateScoresDb().forEach((k, v) -> System.out.printf("  %-18s %7.2f dB%s%n", k, v,
                    k.equals(r.calibrationMethodName()) ? "  <- chosen" : ""));
        }
        System.out.printf("%d nodes quantized, %d kept float%n", r.quantizedNodes().size(), r.floatNodes().size());
        if (r.floatNodes().size() <= 40) {
            r.floatNodes().forEach((n, why) -> System.out.printf("  float: %-24s %s%n", n, why));
        } else { // a transformer keeps hundreds of small ops float: one line per reason
            Map<String, Integer> byReason = new TreeMap<>();
            r.floatNodes().values().forEach(why -> byReason.merge(why, 1, Integer::sum));
            byReason.forEach((why, count) -> System.out.printf("  float: %4d x %s%n", count, why));
        }
        new TreeMap<>(r.notes()).forEach((k, v) -> System.out.printf("  %s: %s%n", k, v));
        System.out.printf("size %,d -> %,d bytes (%.1fx smaller); calibration on %d samples; %.1f s%n", r.inputBytes(),
                r.outputBytes(), r.compression(), r.calibrationSamples(), r.millis() / 1000.0);
        r.quality().ifPresent(q -> {
            for (var row : q.outputs()) {
                System.out.printf(Locale.ROOT, "check: output %s cosine %.4f, SQNR %.1f dB vs float on %d %s samples%n",
                        row.tensor(), row.meanSampleCosine(), row.sqnrDb(), q.samples(),
                        q.heldOut() ? "held-out" : "calibration");
            }
            q.warning().ifPresent(w -> System.err.println("lowbit: warning: " + w));
        });
        if (reportFile != null) {
            System.out.println("report: " + reportFile);
        }
    }

    private Map<String, Object> json(Path model, QuantizeResult r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("model", model.toString());
        m.put("output", output.toString());
        m.put("format", format);
        m.put("method", r.calibrationMethodName());
        m.put("candidateScoresDb", r.candidateScoresDb());
        m.put("calibrationSamples", r.calibrationSamples());
        m.put("quantizedNodes", r.quantizedNodes().size());
        m.put("floatNodes", r.floatNodes());
        m.put("inputBytes", r.inputBytes());
        m.put("outputBytes", r.outputBytes());
        m.put("millis", r.millis());
        m.put("notes", r.notes());
        r.quality().ifPresent(q -> {
            Map<String, Object> quality = new LinkedHashMap<>();
            quality.put("samples", q.samples());
            quality.put("heldOut", q.heldOut());
            quality.put("outputs", ComparisonTable.json(q.outputs()));
            quality.put("worstLayers", ComparisonTable.json(q.worstLayers()));
            m.put("quality", quality);
        });
        if (reportFile != null) {
            m.put("report", reportFile.toString());
        }
        return m;
    }
}
