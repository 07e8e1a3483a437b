package dev.lowbit.cli;

import dev.lowbit.LowbitException;
import dev.lowbit.engine.Benchmark;
import dev.lowbit.engine.Engine;
import dev.lowbit.engine.JavaEngine;
import dev.lowbit.onnxruntime.OnnxRuntimeEngine;
import dev.lowbit.engine.OpProfile;
import dev.lowbit.data.TensorFiles;
import dev.lowbit.engine.RandomInputs;
import dev.lowbit.onnx.ModelIO;
import dev.lowbit.report.Json;
import dev.lowbit.tensor.Tensor;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code lowbit bench MODEL [MODEL...]}: latency and throughput of lowbit's engine and/or ONNX
 * Runtime on seeded random inputs, with the same thread count for both, measured in the same
 * process run; with several models (fp32 and its quantized versions) also the ratios between them,
 * each model measured in a JVM of its own ({@link ForkedBench}) unless {@code --no-fork} or
 * {@code --profile} keeps them in this one.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = {"Benchmark models on random inputs: median/p90 latency per batch and throughput, per engine;",
            "with several models (e.g. fp32.onnx int8.onnx) each one's median against the first model's and against ONNX Runtime."})
public final class BenchCommand implements Callable<Integer> {
    @Parameters(arity = "1..*", paramLabel = "MODEL", description = "The ONNX model files, measured one after the other in this order.")
    List<Path> models;

    @Option(names = "--batch", defaultValue = "1", paramLabel = "N",
            description = "Batch size: the value of symbolic batch dimensions (default ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--threads", defaultValue = "0", paramLabel = "N",
            description = "Threads for every engine (0 = all cores; both engines get the same count).")
    int threads;

    @Option(names = "--engine", defaultValue = "java", paramLabel = "NAME",
            description = "java, onnxruntime or both (default ${DEFAULT-VALUE}).")
    String engine;

    @Option(names = "--warmup", defaultValue = "3", paramLabel = "N",
            description = "Untimed warm-up runs per engine, at least 1 (default ${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = "--warmup-seconds", defaultValue = "2", paramLabel = "S",
            description = "Keep warming up each engine until S seconds have passed as well (default ${DEFAULT-VALUE};"
                    + " 0 = exactly --warmup runs): the JVM compiles lowbit's hot loops while they run, and runs"
                    + " timed before that measure the compiler, not the engine; then until the JIT has been idle for"
                    + " 2 s and the integer ops have timed their kernels and chosen, at most 30 s).")
    double warmupSeconds;

    /** Warm-up (runs, then time, then until the JIT is idle) and timed runs of one engine. */
    private Benchmark.Result measure(Engine e, Map<String, Tensor> feed, int items, List<Map<String, Tensor>> firstOutputs) {
        // At least one untimed run: its outputs are kept to compare the engines.
        int warm = Math.max(1, warmup);
        Progress p = Progress.stderr("bench " + e.name(), warm + iters, "runs");
        firstOutputs.add(e.run(feed));
        p.step();
        Benchmark.warmUp(e, feed, warm - 1, warmupSeconds, p::step);
        Benchmark.Result r = Benchmark.measure(e, feed, items, 0, iters, p::step);
        p.done();
        return r;
    }

    @Option(names = "--iters", defaultValue = "20", paramLabel = "N",
            description = "Timed runs per engine (default ${DEFAULT-VALUE}).")
    int iters;

    @Option(names = "--shape", paramLabel = "NAME=DIMS",
            description = "Concrete shape for an input with dynamic dimensions, e.g. --shape input=1x3x224x224 (repeatable).")
    Map<String, String> shapes = new LinkedHashMap<>();

    @Option(names = "--inputs", paramLabel = "DIR",
            description = "Run on these inputs instead of random ones: a folder of NAME.npy or input_N.pb files, or an .npz.")
    Path inputs;

    @Option(names = "--seed", defaultValue = "1", paramLabel = "N", description = "Seed of the random inputs (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--json", description = "Print the results as JSON.")
    boolean json;

    @Option(names = "--profile", description = "Also print lowbit's time per op type (java engine, averaged over --iters runs).")
    boolean profile;

    @Option(names = "--fork", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = {"With several models, measure each in its own JVM (default; --no-fork: one after the other in this one).",
                "In one JVM the models measured later run on code the JIT compiled for the earlier ones' profiles",
                "(a quantized model after its float one measured up to 1.4x slower than alone)."})
    boolean fork;


    /**
     * One model's measurements: its feed and items per run, one result and one first output per
     * engine, the profile (feed, outputs and profile are null when a child JVM measured it).
     */
    private record ModelRun(Path model, Map<String, Tensor> feed, int batch, List<Benchmark.Result> results,
                            List<Map<String, Tensor>> firstOutputs, List<OpProfile.Entry> profile) {
    }

    /** This command's options for one model, as a child JVM runs it (JSON out). */
    private List<String> childArguments(Path m) {
        List<String> a = new ArrayList<>(List.of("bench", m.toString(), "--engine", engine, "--batch", "" + batch,
                "--threads", "" + threads, "--warmup", "" + warmup, "--warmup-seconds", "" + warmupSeconds,
                "--iters", "" + iters, "--seed", "" + seed, "--json"));
        shapes.forEach((k, v) -> a.addAll(List.of("--shape", k + "=" + v)));
        return a;
    }

    @Override
    public Integer call() {
        List<String> engines = switch (engine) {
            case "java" -> List.of("java");
            case "onnxruntime", "ort" -> List.of("onnxruntime");
            case "both" -> List.of("java", "onnxruntime");
            default -> throw new LowbitException("unknown engine '" + engine + "' (use java, onnxruntime or both)");
        };
        if (batch < 1 || iters < 1 || warmup < 0 || threads < 0 || !(warmupSeconds >= 0)) {
            throw new LowbitException("--batch and --iters must be >= 1, --warmup, --warmup-seconds and --threads >= 0");
        }
        if (inputs != null && models.size() > 1) {
            throw new LowbitException("--inputs feeds one model: bench several models on random inputs");
        }
        int nThreads = threads > 0 ? threads : Runtime.getRuntime().availableProcessors();
        List<ModelRun> runs = new ArrayList<>();
        boolean forked = fork && models.size() > 1 && !profile;
        for (Path m : models) {
            if (!forked) {
                runs.add(measureModel(m, engines, nThreads));
                continue;
            }
            ModelIO.load(m); // bad input is reported here, in one line, before any JVM starts
            ForkedBench.Outcome o = ForkedBench.run(m, childArguments(m));
            if (o.exitCode() != 0) {
                return o.exitCode(); // the child has said why on stderr
            }
            runs.add(new ModelRun(m, null, o.batch(), o.results(), null, null));
        }
        if (runs.size() == 1) {
            ModelRun r = runs.get(0);
            report(r.model(), r.feed(), nThreads, r.results(), r.firstOutputs());
            if (r.profile() != null) {
                printProfile(r.profile());
            }
        } else {
            reportSeveral(runs, engines, nThreads);
        }
        return 0;
    }

    private ModelRun measureModel(Path m, List<String> engines, int nThreads) {
        Map<String, int[]> overrides = new LinkedHashMap<>();
        shapes.forEach((k, v) -> overrides.put(k, RandomInputs.parseDims(v)));
        // One engine open at a time: an idle ONNX Runtime session in the process (its thread pool) made
        // lowbit's 2-thread timings vary twofold from run to run; measured alone they are steady.
        Map<String, Tensor> feed = null;
        int items = 0;
        List<Benchmark.Result> results = new ArrayList<>();
        List<Map<String, Tensor>> firstOutputs = new ArrayList<>();
        List<OpProfile.Entry> profiled = null;
        for (String name : engines) {
            try (Engine e = name.equals("java") ? JavaEngine.open(m, nThreads)
                    : OnnxRuntimeEngine.builder().threads(nThreads).build(m)) {
                if (feed == null) {
                    for (String k : overrides.keySet()) {
                        if (!e.inputNames().contains(k)) {
                            throw new LowbitException("--shape " + k + ": the model has no input '" + k + "' (inputs: "
                                    + String.join(", ", e.inputNames()) + ")");
                        }
                    }
                    feed = inputs != null ? TensorFiles.readInputs(inputs, e.inputs())
                            : RandomInputs.generate(e.inputs(), batch, overrides, seed);
                    items = itemsPerRun(feed);
                    if (items != batch && !feed.isEmpty()) {
                        System.err.printf("lowbit: note: the model's batch dimension is %d; throughput counts %d items per run%n", items, items);
                    }
                }
                results.add(measure(e, feed, items, firstOutputs));
                if (profile && e instanceof JavaEngine je) {
                    profiled = OpProfile.measure(je, feed, iters);
                }
            }
        }
        return new ModelRun(m, feed, itemsPerRun(feed), results, firstOutputs, profiled);
    }

    /** Several models: each one's medians, the ratio to the first model per engine, and lowbit over ORT. */
    private void reportSeveral(List<ModelRun> runs, List<String> engines, int nThreads) {
        List<Map<String, Object>> rows = new ArrayList<>();
        for (ModelRun r : runs) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("model", r.model().toString());
            row.put("batch", r.batch());
            for (int e = 0; e < engines.size(); e++) {
                double median = r.results().get(e).medianMs();
                double first = runs.get(0).results().get(e).medianMs();
                row.put(engines.get(e) + "MedianMs", median);
                row.put(engines.get(e) + "P90Ms", r.results().get(e).p90Ms());
                row.put(engines.get(e) + "OverFirstModel", median / first);
            }
            if (engines.size() == 2) {
                row.put("javaOverOnnxruntime", r.results().get(0).medianMs() / r.results().get(1).medianMs());
            }
            if (r.profile() != null) {
                row.put("profile", r.profile());
            }
            rows.add(row);
        }
        if (json) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("threads", nThreads);
            m.put("warmup", warmup);
            m.put("warmupSeconds", warmupSeconds);
            m.put("iters", iters);
            m.put("models", rows);
            System.out.println(Json.write(m));
            return;
        }
        System.out.printf(Locale.ROOT, "%d models  batch %d  threads %d  %d warm-up runs and %.3g s + %d timed runs each%n",
                runs.size(), batch, nThreads, warmup, warmupSeconds, iters);
        StringBuilder head = new StringBuilder(String.format(Locale.ROOT, "%-36s", "model"));
        for (String e : engines) {
            head.append(String.format(Locale.ROOT, " %14s %10s", e + " ms", "vs first"));
        }
        if (engines.size() == 2) {
            head.append(String.format(Locale.ROOT, " %10s", "java/ort"));
        }
        System.out.println(head);
        for (Map<String, Object> row : rows) {
            String name = Path.of((String) row.get("model")).getFileName().toString();
            StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "%-36s", ComparisonTable.clip(name)));
            for (String e : engines) {
                line.append(String.format(Locale.ROOT, " %14.3f %9.2fx", (Double) row.get(e + "MedianMs"),
                        (Double) row.get(e + "OverFirstModel")));
            }
            if (engines.size() == 2) {
                line.append(String.format(Locale.ROOT, " %9.2fx", (Double) row.get("javaOverOnnxruntime")));
            }
            System.out.println(line);
        }
        for (ModelRun r : runs) {
            if (r.profile() != null) {
                System.out.println(r.model().getFileName() + ":");
                printProfile(r.profile());
            }
        }
    }

    private static void printProfile(List<OpProfile.Entry> entries) {
        double total = entries.stream().mapToDouble(OpProfile.Entry::totalMs).sum();
        System.out.printf(Locale.ROOT, "%-24s %6s %12s %7s%n", "op type (java)", "nodes", "ms per run", "share");
        for (OpProfile.Entry e : entries) {
            System.out.printf(Locale.ROOT, "%-24s %6d %12.3f %6.1f%%%n", e.opType(), e.nodes(), e.totalMs(),
                    100 * e.totalMs() / total);
        }
    }

    /** Items one run processes: the first dimension of the first input (1 for scalars or no inputs). */
    static int itemsPerRun(Map<String, Tensor> feed) {
        if (feed.isEmpty()) {
            return 1;
        }
        Tensor first = feed.values().iterator().next();
        return first.rank() == 0 ? 1 : Math.max(1, first.dim(0));
    }


    private void report(Path model, Map<String, Tensor> feed, int nThreads, List<Benchmark.Result> results, List<Map<String, Tensor>> outs) {
        Double ratio = null;
        Double maxAbsDiff = null;
        if (results.size() == 2) {
            ratio = results.get(0).medianMs() / results.get(1).medianMs();
            maxAbsDiff = maxAbsDiff(outs.get(0), outs.get(1));
        }
        if (json) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("model", model.toString());
            m.put("batch", itemsPerRun(feed));
            m.put("threads", nThreads);
            m.put("warmup", warmup);
            m.put("warmupSeconds", warmupSeconds);
            m.put("iters", iters);
            Map<String, Object> shapesUsed = new LinkedHashMap<>();
            feed.forEach((k, t) -> shapesUsed.put(k, t.shape()));
            m.put("inputs", shapesUsed);
            m.put("results", results);
            if (ratio != null) {
                m.put("javaOverOnnxruntime", ratio);
                m.put("maxAbsDiff", maxAbsDiff);
            }
            System.out.println(Json.write(m));
            return;
        }
        StringBuilder in = new StringBuilder();
        feed.forEach((k, t) -> in.append(in.isEmpty() ? "" : ", ").append(k).append(' ').append(t.dtype().onnxName())
                .append(Arrays.toString(t.shapeRef()).replace(" ", "")));
        System.out.printf(Locale.ROOT, "%s  batch %d  threads %d  %d warm-up runs and %.3g s + %d timed runs  inputs: %s%n",
                model.getFileName(), itemsPerRun(feed), nThreads, warmup, warmupSeconds, iters, in);
        System.out.printf(Locale.ROOT, "%-12s %12s %12s %14s%n", "engine", "median ms", "p90 ms", "items/s");
        for (Benchmark.Result r : results) {
            System.out.printf(Locale.ROOT, "%-12s %12.3f %12.3f %14.1f%n", r.engine(), r.medianMs(), r.p90Ms(), r.itemsPerSecond());
        }
        if (ratio != null) {
            System.out.printf(Locale.ROOT, "java/onnxruntime median ratio %.2f   max |java - onnxruntime| %.3g%n", ratio, maxAbsDiff);
        }
    }

    /** Largest absolute difference over all outputs both engines produced (NaN if shapes differ). */
    static double maxAbsDiff(Map<String, Tensor> a, Map<String, Tensor> b) {
        double max = 0;
        for (Map.Entry<String, Tensor> e : a.entrySet()) {
            Tensor x = e.getValue();
            Tensor y = b.get(e.getKey());
            if (y == null || !Arrays.equals(x.shapeRef(), y.shapeRef()) || x.dtype() == dev.lowbit.tensor.DType.STRING) {
                return Double.NaN;
            }
            for (int i = 0; i < x.size(); i++) {
                max = Math.max(max, Math.abs(x.getDouble(i) - y.getDouble(i)));
            }
        }
        return max;
    }
}
