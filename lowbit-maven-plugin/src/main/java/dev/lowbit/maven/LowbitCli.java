package dev.lowbit.maven;

import dev.lowbit.report.Json;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import org.apache.maven.plugin.MojoExecutionException;
import org.apache.maven.plugin.logging.Log;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * The one class that knows how lowbit is called (swap it for lowbit's public API once there is
 * one): today it runs lowbit's command line, {@code dev.lowbit.cli.Main}, so the plugin takes
 * exactly the CLI's options and config files and writes exactly the bytes {@code ./lowbit quantize}
 * writes for them.
 *
 * <p>The command line runs in a forked JVM, started like the {@code ./lowbit} launcher starts it,
 * not inside Maven's: lowbit's kernels need the {@code jdk.incubator.vector} module, which Maven's
 * JVM does not load (the engine fails with {@code NoClassDefFoundError} there); the fork also keeps
 * a large model's memory out of the build's heap and its stdout and stderr apart, so errors come
 * back as lowbit's own one-line messages.
 */
final class LowbitCli {
    /** The flags the {@code ./lowbit} launcher starts the CLI with. */
    private static final List<String> LAUNCHER_FLAGS = List.of("--add-modules", "jdk.incubator.vector",
            "--enable-native-access=ALL-UNNAMED", "--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED");
    private static final String MAIN = "dev.lowbit.cli.Main";
    /** The JVM prints this on every start with an incubator module; it is noise in a build log. */
    private static final String INCUBATOR_NOTICE = "WARNING: Using incubator modules";
    private static final String ERROR_PREFIX = "lowbit: ";
    private static final String WARNING_PREFIX = "lowbit: warning: ";
    /** The CLI's "Try 'lowbit quantize --help' for usage." after a bad flag. */
    private static final String USAGE_HINT = "Try 'lowbit ";
    /** The CLI's exit code for running out of memory. */
    private static final int OUT_OF_MEMORY = 3;

    /** Options the plugin sets through its own parameters, so they may not come in {@code options}. */
    private static final Map<String, String> OWN_PARAMETERS = Map.of("model", "model", "calib", "calibrationData",
            "output", "output", "config", "config", "json", "(none: the plugin reads the CLI's text output)");
    /** Keys whose values name files lowbit writes, not reads: they are no inputs of the fingerprint. */
    private static final Set<String> OUTPUT_KEYS = Set.of("output", "report");
    /**
     * The CLI's data flags (its {@code DataOptions}: labels and preprocessing), shared by quantize
     * and eval: the gate evaluates the data with the same preprocessing the calibration used.
     */
    static final List<String> DATA_FLAGS = List.of("labels", "mean", "std", "pixel-scale", "size", "resize",
            "channel-order", "layout", "tokenizer", "max-length");

    /**
     * What to quantize and how, as the plugin's parameters give it: absolute paths (calibration
     * data and config may be null) and the options by long flag name (sorted, so the command line
     * and the fingerprint do not depend on the order Maven hands the map over in).
     */
    record QuantizeRequest(Path model, Path calibrationData, Path config, SortedMap<String, String> options) {
        QuantizeRequest {
            options = Collections.unmodifiableSortedMap(new TreeMap<>(options));
        }
    }

    /** Where the quality gate is measured: data, its labels (null: the data's own), how many samples (0 = all), which engine. */
    record EvalRequest(Path data, Path labels, int limit, String engine) {
    }

    private final ForkedJvm jvm;
    private final Path workingDirectory;
    private final Log log;

    /**
     * @param classPath lowbit-cli and its dependencies (the plugin's own artifacts)
     * @param jvmArgs extra flags for the forked JVM, e.g. {@code -Xmx16g}
     * @param workingDirectory where relative paths in options and config files resolve: the project's base directory
     */
    LowbitCli(List<Path> classPath, List<String> jvmArgs, Path workingDirectory, Log log) {
        this.jvm = new ForkedJvm(jvmFlags(jvmArgs), classPath, workingDirectory);
        this.workingDirectory = workingDirectory;
        this.log = log;
    }

    /** The launcher's flags, then the user's. */
    private static List<String> jvmFlags(List<String> jvmArgs) {
        List<String> flags = new ArrayList<>(LAUNCHER_FLAGS);
        if (Runtime.version().feature() >= 23) {
            flags.add("--sun-misc-unsafe-memory-access=allow"); // as ./lowbit: protobuf's Unsafe use warns otherwise
        }
        flags.addAll(jvmArgs);
        return flags;
    }

    /** Quantizes {@code request}'s model into {@code output}, logging the CLI's report. */
    void quantize(QuantizeRequest request, Path output) throws MojoExecutionException {
        ForkedJvm.Result run = run(quantizeArgs(request, output), log::info);
        failOnError("quantize", run);
    }

    /**
     * Measures {@code quantized} against the float model on the evaluation data with
     * {@code lowbit eval --reference --json}, and the float model's own top-1 with a second
     * {@code lowbit eval} when {@code floatTop1} is asked for.
     */
    QualityGate.Measurement measure(QuantizeRequest request, Path quantized, EvalRequest eval, boolean floatTop1)
            throws MojoExecutionException {
        List<String> flags = evalFlags(request, eval);
        List<String> quantArgs = new ArrayList<>(List.of("eval", quantized.toString(), "--reference",
                request.model().toString()));
        quantArgs.addAll(flags);
        Map<?, ?> quant = json("eval", run(quantArgs, log::debug));
        Double fp32Top1 = null;
        if (floatTop1) {
            List<String> floatArgs = new ArrayList<>(List.of("eval", request.model().toString()));
            floatArgs.addAll(flags);
            fp32Top1 = number(json("eval", run(floatArgs, log::debug)).get("top1"));
        }
        return measurement(quant, fp32Top1);
    }

    /** The arguments of {@code lowbit quantize}: the config's flags first, then the options, so that options win as flags do over a config file. */
    static List<String> quantizeArgs(QuantizeRequest request, Path output) throws MojoExecutionException {
        List<String> args = new ArrayList<>(List.of("quantize", request.model().toString()));
        if (request.config() != null) {
            args.addAll(List.of("--config", request.config().toString()));
        }
        for (Map.Entry<String, String> option : request.options().entrySet()) {
            String key = option.getKey();
            if (key.isBlank() || key.startsWith("-")) {
                throw new MojoExecutionException("options: '" + key + "' is not a flag name (write <weights>8</weights>"
                        + " for --weights 8)");
            }
            if (OWN_PARAMETERS.containsKey(key)) {
                throw new MojoExecutionException("options: '" + key + "' is set with the plugin parameter <"
                        + OWN_PARAMETERS.get(key) + ">, not in <options>");
            }
            args.add(flag(key, option.getValue()));
        }
        if (request.calibrationData() != null) {
            args.addAll(List.of("--calib", request.calibrationData().toString()));
        }
        args.addAll(List.of("--output", output.toString()));
        return args;
    }

    /**
     * {@code --key=value}, which the CLI reads for every option, switches included
     * ({@code --per-channel=false}); an empty value ({@code <adaround/>}) turns a switch on.
     */
    private static String flag(String key, String value) {
        return value == null || value.isBlank() ? "--" + key : "--" + key + "=" + value.strip();
    }

    /**
     * The files the options and the config name that lowbit reads (calibration data given in the
     * config, labels, a tokenizer...), for the fingerprint, by key ({@code config:calib},
     * {@code options:labels}). A value counts when it names an existing file or folder: the plugin
     * does not need to know each flag's type. A config that cannot be read names none; quantizing
     * reports its error.
     */
    SortedMap<String, Path> filesNamed(QuantizeRequest request) {
        SortedMap<String, Path> files = new TreeMap<>();
        Map<String, String> config = request.config() == null ? Map.of() : configValues(request.config());
        config.forEach((key, value) -> addIfFile(files, "config:" + key, value));
        request.options().forEach((key, value) -> addIfFile(files, "options:" + key, value));
        return files;
    }

    private void addIfFile(Map<String, Path> files, String key, String value) {
        if (value == null || value.isBlank() || OUTPUT_KEYS.contains(key.substring(key.indexOf(':') + 1))) {
            return;
        }
        try {
            Path path = workingDirectory.resolve(value.strip());
            if (Files.exists(path)) {
                files.put(key, path);
            }
        } catch (RuntimeException notAPath) {
            // e.g. "0.5,2" on Windows: not a file name, nothing to fingerprint beyond the value itself
        }
    }

    /**
     * The flags of both {@code lowbit eval} runs: the evaluation data, limit, engine and JSON
     * output, then the data flags quantizing used (the config's, then the options', which win),
     * the labels only when the evaluation data is the calibration data or {@code evalLabels} is given.
     */
    static List<String> evalFlags(QuantizeRequest request, EvalRequest eval) {
        Map<String, String> data = new LinkedHashMap<>();
        if (request.config() != null) {
            configValues(request.config()).forEach((key, value) -> {
                if (DATA_FLAGS.contains(key)) {
                    data.put(key, value);
                }
            });
        }
        request.options().forEach((key, value) -> {
            if (DATA_FLAGS.contains(key)) {
                data.put(key, value);
            }
        });
        if (eval.labels() != null) {
            data.put("labels", eval.labels().toString());
        } else if (!eval.data().equals(request.calibrationData())) {
            data.remove("labels"); // they label the calibration data, not this
        }
        List<String> flags = new ArrayList<>(List.of("--data", eval.data().toString(), "--limit",
                Integer.toString(eval.limit()), "--engine", eval.engine(), "--json"));
        data.forEach((key, value) -> flags.add(flag(key, value)));
        return flags;
    }

    /**
     * The config file's keys and values as the CLI reads them (lists joined with commas); nothing
     * for a config that cannot be read, whose error quantizing reports in lowbit's words.
     */
    private static Map<String, String> configValues(Path config) {
        Object root;
        try (Reader in = Files.newBufferedReader(config, StandardCharsets.UTF_8)) {
            root = new Yaml(new SafeConstructor(new LoaderOptions())).load(in);
        } catch (IOException | RuntimeException unreadable) {
            return Map.of();
        }
        Map<String, String> values = new LinkedHashMap<>();
        if (root instanceof Map<?, ?> map) {
            map.forEach((key, value) -> {
                if (value instanceof Collection<?> list) {
                    values.put(String.valueOf(key), list.stream().map(String::valueOf).collect(Collectors.joining(",")));
                } else if (value != null && !(value instanceof Map<?, ?>)) {
                    values.put(String.valueOf(key), String.valueOf(value));
                }
            });
        }
        return values;
    }

    /** The gate's numbers from {@code lowbit eval --reference --json}: the lowest cosine and SQNR over the outputs compared. */
    static QualityGate.Measurement measurement(Map<?, ?> quantEval, Double floatTop1) {
        String cosineOutput = null;
        String sqnrOutput = null;
        double cosine = Double.POSITIVE_INFINITY;
        double sqnr = Double.POSITIVE_INFINITY;
        Object rows = quantEval.get("vsReference");
        for (Object o : rows instanceof List<?> list ? list : List.of()) {
            Map<?, ?> row = (Map<?, ?>) o;
            String tensor = String.valueOf(row.get("tensor"));
            Double c = number(row.get("cosine"));
            Double s = number(row.get("sqnrDb"));
            if (c != null && (cosineOutput == null || c < cosine)) {
                cosine = c;
                cosineOutput = tensor;
            }
            if (s != null && (sqnrOutput == null || s < sqnr)) {
                sqnr = s;
                sqnrOutput = tensor;
            }
        }
        if (sqnrOutput == null) {
            sqnrOutput = cosineOutput;
        }
        Double samples = number(quantEval.get("samples"));
        return new QualityGate.Measurement(samples == null ? 0 : samples.longValue(),
                String.valueOf(quantEval.get("engine")), floatTop1, number(quantEval.get("top1")), cosineOutput, cosine,
                sqnrOutput, sqnr);
    }

    private static Double number(Object value) {
        return value instanceof Number n ? n.doubleValue() : null;
    }

    private Map<?, ?> json(String command, ForkedJvm.Result run) throws MojoExecutionException {
        failOnError(command, run);
        String text = String.join("\n", run.stdout());
        try {
            if (Json.parse(text) instanceof Map<?, ?> map) {
                return map;
            }
        } catch (RuntimeException e) {
            log.debug("lowbit " + command + " printed: " + text);
        }
        throw new MojoExecutionException("lowbit " + command + " --json printed no JSON object (run with -X to see its output)");
    }

    /** Turns a failed run into one line: lowbit's own message for bad input, what happened otherwise. */
    private void failOnError(String command, ForkedJvm.Result run) throws MojoExecutionException {
        if (run.exitCode() == 0) {
            return;
        }
        String message = run.stderr().stream().filter(line -> line.startsWith(ERROR_PREFIX)).findFirst()
                .map(line -> line.substring(ERROR_PREFIX.length()))
                .orElseGet(() -> run.stderr().isEmpty() ? "no message" : run.stderr().get(run.stderr().size() - 1));
        if (run.exitCode() == OUT_OF_MEMORY) {
            message = "out of memory: give the forked JVM more with <jvmArgs>-Xmx16g</jvmArgs>";
        }
        throw new MojoExecutionException("lowbit " + command + ": " + message);
    }

    /**
     * Runs {@code lowbit ARGS} in a forked JVM: stdout lines and progress go to {@code outputLog} as
     * they come, lowbit's warnings to the warning log; its error line is kept for the failure.
     */
    ForkedJvm.Result run(List<String> args, Consumer<String> outputLog) throws MojoExecutionException {
        log.debug("lowbit: " + String.join(" ", jvm.command(MAIN, args)));
        try {
            return jvm.run(MAIN, args, outputLog, line -> {
                if (line.startsWith(WARNING_PREFIX)) {
                    log.warn(line);
                } else if (line.startsWith(ERROR_PREFIX) || line.startsWith(USAGE_HINT)) {
                    log.debug(line); // the error becomes the build failure's message; the hint names the CLI's help
                } else if (!line.startsWith(INCUBATOR_NOTICE)) {
                    outputLog.accept(line); // progress lines
                }
            });
        } catch (IOException e) {
            throw new MojoExecutionException("could not run lowbit in " + System.getProperty("java.home") + ": "
                    + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new MojoExecutionException("interrupted while lowbit ran", e);
        }
    }
}
