package dev.lowbit.maven;

import dev.lowbit.maven.LowbitCli.EvalRequest;
import dev.lowbit.maven.LowbitCli.QuantizeRequest;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.apache.maven.artifact.Artifact;
import org.apache.maven.plugin.AbstractMojo;
import org.apache.maven.plugin.MojoExecutionException;
import org.apache.maven.plugin.MojoFailureException;
import org.apache.maven.plugin.descriptor.PluginDescriptor;
import org.apache.maven.plugins.annotations.LifecyclePhase;
import org.apache.maven.plugins.annotations.Mojo;
import org.apache.maven.plugins.annotations.Parameter;

/**
 * Quantizes a float ONNX model with lowbit during the build: calibrates on the calibration data,
 * writes the quantized model (by default into the classes folder, so it is packaged), and fails
 * the build when the quantized model misses the quality gate. Does nothing when the model, data,
 * config, options, gate and plugin are the same as for the output already there.
 *
 * <p>Maven must run on JDK 21 or newer, like lowbit; lowbit itself runs in a forked JVM.
 */
@Mojo(name = "quantize", defaultPhase = LifecyclePhase.PROCESS_RESOURCES, threadSafe = true)
public final class QuantizeMojo extends AbstractMojo {
    private static final String LOWBIT_GROUP = "dev.lowbit";
    private static final String ONNXRUNTIME_ARTIFACT = "lowbit-onnxruntime";
    private static final List<String> ENGINES = List.of("java", "onnxruntime");

    /** The float ONNX model to quantize. */
    @Parameter(required = true)
    private File model;

    /**
     * Calibration data, anything {@code lowbit quantize --calib} takes: IDX images (gzipped or
     * not), a folder of class sub-folders of images, {@code .npy}/{@code .npz}, a folder of
     * {@code NAME.npy}, {@code test_data_set_*} folders, or a {@code .txt} of sentences with the
     * {@code tokenizer} option. May instead come from the config file's {@code calib} key.
     */
    @Parameter
    private File calibrationData;

    /**
     * Where to write the quantized model. Default: {@code models/NAME.int8.onnx} in
     * {@code ${project.build.outputDirectory}} (NAME = the model's file name without
     * {@code .onnx}), so it is packaged with the classes.
     */
    @Parameter
    private File output;

    /**
     * A YAML file of {@code lowbit quantize} options: its keys are the CLI's long flag names
     * ({@code weights: 4}, {@code method: entropy}, {@code per-channel: true}), as for
     * {@code lowbit quantize --config}. Relative paths in it resolve against the project's base
     * directory.
     */
    @Parameter
    private File config;

    /**
     * {@code lowbit quantize} options by long flag name, e.g.
     * {@code <options><weights>8</weights><method>entropy</method><calib-size>256</calib-size></options>};
     * an empty element ({@code <adaround/>}) turns a switch on. They win over the config file's.
     * The model, calibration data, output and config have their own parameters.
     */
    @Parameter
    private Map<String, String> options;

    /** Skip quantizing (and leave any earlier output alone). */
    @Parameter(property = "lowbit.skip", defaultValue = "false")
    private boolean skip;

    /**
     * Quality gate: the most top-1 accuracy, in percentage points, the quantized model may lose
     * against the float model on {@code evalData}. Needs a classifier and labelled data.
     */
    @Parameter(property = "lowbit.maxTop1Drop")
    private Double maxTop1Drop;

    /**
     * Quality gate: the least cosine similarity between the quantized and the float model's
     * outputs on {@code evalData} (the worst output counts), for any kind of model.
     */
    @Parameter(property = "lowbit.minCosine")
    private Double minCosine;

    /**
     * Quality gate: the least signal-to-quantization-noise ratio, in dB, of the quantized model's
     * outputs against the float model's on {@code evalData} (the worst output counts).
     */
    @Parameter(property = "lowbit.minSqnr")
    private Double minSqnr;

    /**
     * Data the quality gate is measured on, in any form {@code calibrationData} takes. Default:
     * the calibration data.
     */
    @Parameter
    private File evalData;

    /**
     * Labels of {@code evalData}, an IDX label file or a {@code .npy} of integers. Default: the
     * labels IDX images have next to them, or the {@code labels} option when {@code evalData} is
     * the calibration data.
     */
    @Parameter
    private File evalLabels;

    /** How many samples of {@code evalData} the quality gate is measured on (0 = all). */
    @Parameter(property = "lowbit.evalLimit", defaultValue = "1000")
    private int evalLimit;

    /**
     * The engine the quality gate runs both models in: {@code java} (lowbit's own) or
     * {@code onnxruntime}, which needs {@code dev.lowbit:lowbit-onnxruntime} as a dependency of
     * this plugin.
     */
    @Parameter(property = "lowbit.engine", defaultValue = "java")
    private String engine;

    /** Flags of the JVM lowbit runs in, separated by spaces (the same as the {@code ./lowbit} launcher's by default). */
    @Parameter(property = "lowbit.jvmArgs", defaultValue = "-Xmx8g -XX:+UseParallelGC")
    private String jvmArgs;

    @Parameter(defaultValue = "${project.basedir}", readonly = true, required = true)
    private File basedir;

    @Parameter(defaultValue = "${project.build.directory}", readonly = true, required = true)
    private File buildDirectory;

    @Parameter(defaultValue = "${project.build.outputDirectory}", readonly = true, required = true)
    private File outputDirectory;

    @Parameter(defaultValue = "${plugin}", readonly = true, required = true)
    private PluginDescriptor plugin;

    @Override
    public void execute() throws MojoExecutionException, MojoFailureException {
        if (skip) {
            getLog().info("lowbit: skipped (lowbit.skip)");
            return;
        }
        QuantizeRequest request = new QuantizeRequest(existing("model", model, true),
                existing("calibrationData", calibrationData, false), existing("config", config, true),
                new TreeMap<>(options == null ? Map.of() : options));
        QualityGate gate = gate();
        EvalRequest eval = gate.isSet() ? evalRequest(request) : null;
        Path out = outputPath(request.model());
        List<String> jvmFlags = jvmArgs == null ? List.of()
                : Arrays.stream(jvmArgs.trim().split("\\s+")).filter(flag -> !flag.isEmpty()).toList();
        LowbitCli lowbit = new LowbitCli(classPath(), jvmFlags, basedir.toPath(), getLog());
        try {
            String inputs = fingerprint(request, lowbit, gate, eval, out);
            FingerprintStore store = new FingerprintStore(buildDirectory.toPath().resolve("lowbit")
                    .resolve(out.getFileName() + ".fingerprint"));
            if (store.isUpToDate(inputs, out)) {
                getLog().info("lowbit: " + shown(out) + " is up to date (same model, data, options and gate)");
                return;
            }
            // From here on the output on disk is out of date: it must not pass for the new result if this run fails.
            store.forget();
            Files.deleteIfExists(out);
            quantize(request, lowbit, gate, eval, out);
            store.record(inputs, out);
        } catch (IOException e) {
            throw new MojoExecutionException("lowbit: " + e, e);
        } catch (UncheckedIOException e) {
            throw new MojoExecutionException("lowbit: " + e.getCause(), e);
        }
    }

    /** Quantizes into a work folder, measures the gate there, and moves the model to {@code out} only if it passes. */
    private void quantize(QuantizeRequest request, LowbitCli lowbit, QualityGate gate, EvalRequest eval, Path out)
            throws IOException, MojoExecutionException, MojoFailureException {
        Path workRoot = buildDirectory.toPath().resolve("lowbit");
        Files.createDirectories(workRoot);
        Path work = Files.createTempDirectory(workRoot, "work-");
        try {
            Path quantized = work.resolve(out.getFileName());
            lowbit.quantize(request, quantized);
            if (gate.isSet()) {
                QualityGate.Measurement m = lowbit.measure(request, quantized, eval, gate.needsTop1());
                getLog().info("lowbit: " + QualityGate.describe(m));
                List<String> misses;
                try {
                    misses = gate.misses(m);
                } catch (IllegalArgumentException e) {
                    throw new MojoExecutionException(e.getMessage(), e);
                }
                if (!misses.isEmpty()) {
                    throw new MojoFailureException(QualityGate.failure(misses));
                }
            }
            publish(quantized, out);
            getLog().info(String.format(Locale.ROOT, "lowbit: wrote %s (%,d bytes; the float model has %,d)", shown(out),
                    Files.size(out), Files.size(request.model())));
        } finally {
            deleteTree(work);
        }
    }

    /** The quality gate's thresholds, checked for values no model could meet. */
    private QualityGate gate() throws MojoExecutionException {
        try {
            return new QualityGate(maxTop1Drop, minCosine, minSqnr);
        } catch (IllegalArgumentException e) {
            throw new MojoExecutionException(e.getMessage(), e);
        }
    }

    private EvalRequest evalRequest(QuantizeRequest request) throws MojoExecutionException {
        String engineName = engine.trim().toLowerCase(Locale.ROOT);
        if (!ENGINES.contains(engineName)) {
            throw new MojoExecutionException("engine must be java or onnxruntime, got '" + engine + "'");
        }
        if (engineName.equals("onnxruntime") && plugin.getArtifacts().stream().noneMatch(a ->
                a.getGroupId().equals(LOWBIT_GROUP) && a.getArtifactId().equals(ONNXRUNTIME_ARTIFACT))) {
            throw new MojoExecutionException("engine onnxruntime needs " + LOWBIT_GROUP + ":" + ONNXRUNTIME_ARTIFACT
                    + " as a <dependency> of lowbit-maven-plugin (or use engine java)");
        }
        Path data = evalData != null ? existing("evalData", evalData, false) : request.calibrationData();
        if (data == null) {
            throw new MojoExecutionException("the quality gate needs evalData (or calibrationData) to measure on");
        }
        if (evalLimit < 0) {
            throw new MojoExecutionException("evalLimit must be 0 (all) or more, got " + evalLimit);
        }
        return new EvalRequest(data, existing("evalLabels", evalLabels, true), evalLimit, engineName);
    }

    /**
     * Everything the output depends on. Snapshots of lowbit change without a version change, so
     * their jars' bytes count too; a released version's number is enough.
     */
    private String fingerprint(QuantizeRequest request, LowbitCli lowbit, QualityGate gate, EvalRequest eval, Path out) {
        Fingerprint f = new Fingerprint().add("plugin", plugin.getVersion());
        if (plugin.getVersion().endsWith("-SNAPSHOT")) {
            for (Artifact a : lowbitArtifacts()) {
                f.addPath("jar " + a.getArtifactId(), a.getFile().toPath());
            }
        }
        f.addPath("model", request.model()).addPath("calibrationData", request.calibrationData())
                .addPath("config", request.config()).add("output", out.toString());
        request.options().forEach((key, value) -> f.add("option " + key, value));
        lowbit.filesNamed(request).forEach((key, path) -> f.addPath("file " + key, path));
        f.add("maxTop1Drop", String.valueOf(gate.maxTop1Drop())).add("minCosine", String.valueOf(gate.minCosine()))
                .add("minSqnr", String.valueOf(gate.minSqnr()));
        if (eval != null) {
            f.addPath("evalData", eval.data()).addPath("evalLabels", eval.labels())
                    .add("evalLimit", Integer.toString(eval.limit())).add("engine", eval.engine());
        }
        return f.hex();
    }

    private List<Artifact> lowbitArtifacts() {
        List<Artifact> artifacts = new ArrayList<>(plugin.getArtifacts().stream()
                .filter(a -> a.getGroupId().equals(LOWBIT_GROUP) && a.getFile() != null).toList());
        artifacts.sort(Comparator.comparing(Artifact::getArtifactId));
        return artifacts;
    }

    /** The jars lowbit's CLI runs from: the plugin's own dependencies. */
    private List<Path> classPath() {
        return plugin.getArtifacts().stream().filter(a -> a.getFile() != null).map(a -> a.getFile().toPath()).toList();
    }

    private Path outputPath(Path floatModel) {
        if (output != null) {
            return output.toPath().toAbsolutePath();
        }
        String name = floatModel.getFileName().toString();
        String stem = name.endsWith(".onnx") ? name.substring(0, name.length() - ".onnx".length()) : name;
        return outputDirectory.toPath().resolve("models").resolve(stem + ".int8.onnx").toAbsolutePath();
    }

    /**
     * Moves the checked model into place in one step, so that no reader ever sees half a model;
     * across file systems it is copied next to the output first, then renamed.
     */
    private static void publish(Path quantized, Path out) throws IOException {
        Files.createDirectories(out.toAbsolutePath().getParent());
        try {
            Files.move(quantized, out, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException otherFileSystem) {
            Path sibling = Files.createTempFile(out.toAbsolutePath().getParent(), "." + out.getFileName(), ".tmp");
            try {
                Files.copy(quantized, sibling, StandardCopyOption.REPLACE_EXISTING);
                Files.move(sibling, out, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } finally {
                Files.deleteIfExists(sibling);
            }
        }
    }

    private static void deleteTree(Path folder) throws IOException {
        try (Stream<Path> paths = Files.walk(folder)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    /** {@code file} as an absolute path, which must exist when given; null stays null. */
    private static Path existing(String parameter, File file, boolean mustBeFile) throws MojoExecutionException {
        if (file == null) {
            return null;
        }
        Path path = file.toPath().toAbsolutePath();
        if (!Files.exists(path)) {
            throw new MojoExecutionException(parameter + " not found: " + path);
        }
        if (mustBeFile && !Files.isRegularFile(path)) {
            throw new MojoExecutionException(parameter + " must be a file: " + path);
        }
        return path;
    }

    /** {@code path} relative to the project when inside it, for short log lines. */
    private String shown(Path path) {
        Path base = basedir.toPath().toAbsolutePath();
        return path.startsWith(base) ? base.relativize(path).toString() : path.toString();
    }
}
