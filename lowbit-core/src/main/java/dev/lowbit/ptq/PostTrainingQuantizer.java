package dev.lowbit.ptq;

import dev.lowbit.quant.Recipe;
import dev.lowbit.quant.QuantPlan;
import dev.lowbit.passes.GraphCleanup;
import dev.lowbit.passes.ConstantFolding;
import dev.lowbit.passes.BatchNormFolding;
import dev.lowbit.LowbitException;
import dev.lowbit.calib.Ranges;
import dev.lowbit.calib.WeightRanges;
import dev.lowbit.data.Dataset;
import dev.lowbit.data.Feeds;
import dev.lowbit.eval.Agreement;
import dev.lowbit.exec.Executor;
import dev.lowbit.exec.TensorHook;
import dev.lowbit.export.QdqParams;
import dev.lowbit.export.QdqWriter;
import dev.lowbit.onnx.Graph;
import dev.lowbit.onnx.Model;
import dev.lowbit.onnx.Node;
import dev.lowbit.onnx.ValueInfo;
import dev.lowbit.quant.BackendProfile;
import dev.lowbit.quant.QuantParams;
import dev.lowbit.quant.QuantScheme;
import dev.lowbit.tensor.Tensor;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Post-training quantization: prepare the float graph (remove no-ops, fold BatchNormalization),
 * place quantizers ({@link QuantPlanner}), stream calibration batches through lowbit's engine
 * collecting per-activation statistics, choose ranges by the configured method, quantize weights
 * per channel, and write a QDQ model ({@link QdqWriter}).
 *
 * <p>Calibration memory is constant in the data size: only per-activation statistics are kept.
 * The same data in the same order and the same config give the same model.
 */
public final class PostTrainingQuantizer {
    private final PtqConfig config;
    private ProgressListener progress = ProgressListener.NONE;
    private final List<PtqStep> steps = new ArrayList<>();
    private ActivationCache reusedCalibration;

    public PostTrainingQuantizer(PtqConfig config) {
        this.config = config;
    }

    public PostTrainingQuantizer progress(ProgressListener listener) {
        this.progress = listener;
        return this;
    }

    /** Returns the float model as quantization sees it: no-ops removed, constants folded, BatchNormalization folded. */
    public static Model prepare(Model floatModel) {
        Model m = clean(floatModel);
        BatchNormFolding.apply(m.graph());
        return m;
    }

    /** {@link #prepare} without the BN folding: no-ops removed and constants folded (a copy). */
    public static Model clean(Model floatModel) {
        Model m = floatModel.copy();
        GraphCleanup.removeNoOps(m.graph());
        ConstantFolding.apply(m);
        return m;
    }

    /** Adds an algorithm step (CLE, bias correction, AdaRound, EasyQuant...); steps run in their phase, in order added. */
    public PostTrainingQuantizer step(PtqStep s) {
        steps.add(s);
        return this;
    }

    /**
     * Takes activation statistics from {@code cache} (filled by the first run that uses it) instead
     * of a calibration pass: for runs that differ only in excluded nodes or weight bits
     * (sensitivity analysis, partial quantization, mixed precision).
     */
    public PostTrainingQuantizer reuseCalibration(ActivationCache cache) {
        this.reusedCalibration = cache;
        return this;
    }

    public PtqResult quantize(Model floatModel, Dataset calibration) {
        long start = System.nanoTime();
        OpsetUpgrade.Result upgraded = OpsetUpgrade.apply(prepare(floatModel), config, calibration);
        return quantize(upgraded.model(), upgraded.config(), calibration, start, upgraded.note());
    }

    /** Quantizes the prepared model with {@code config} (the quantizer's, or per-tensor for an old opset). */
    private PtqResult quantize(Model prepared, PtqConfig config, Dataset calibration, long start, String opsetNote) {
        PtqContext ctx = new PtqContext(prepared, config, calibration, progress);
        if (opsetNote != null) {
            ctx.notes().put("opset", opsetNote);
        }
        runSteps(ctx, PtqStep.Phase.GRAPH);
        if (config.smoothQuant() != SmoothQuant.Mode.OFF && steps.stream().noneMatch(s -> s instanceof SmoothQuant)) {
            new SmoothQuant(config.smoothQuantAlpha(), config.smoothQuant() == SmoothQuant.Mode.FOLDED).apply(ctx);
        }
        Graph g = ctx.prepared().graph();
        QuantPlan plan = QuantPlanner.plan(g, config.exclude(), config.recipe() != null ? config.recipe() : Recipe.detect(g));
        if (plan.quantizedNodes().isEmpty()) {
            throw new LowbitException("nothing to quantize: the model has no Conv, Gemm or MatMul with constant weights");
        }
        ctx.setPlan(plan);
        BackendProfile backend = config.backend();
        Map<String, Integer> activationBits = new java.util.HashMap<>();
        PtqConfig layered = config.firstLastBits() > 0 ? firstLast(config, g, plan, activationBits) : config;
        for (String a : plan.calibratedActivations()) {
            QuantScheme s = config.activationScheme() != null ? config.activationScheme()
                    : backend.defaultActivationScheme(activationBits.getOrDefault(a, config.activationBits()), nonNegative(g, a));
            if (config.activationScheme() != null && activationBits.containsKey(a)) {
                s = s.withBits(activationBits.get(a));
            }
            backend.validate(BackendProfile.Role.ACTIVATION, s);
            ctx.activationSchemes().put(a, s);
        }
        for (QuantPlan.Weight w : plan.weights()) {
            if (!ctx.weights().containsKey(w.initializer())) {
                Tensor t = g.initializer(w.initializer());
                QuantScheme s = weightScheme(config, w.channelAxis());
                if (layered.weightBits(w.node()) != config.weightBits()) {
                    s = s.withBits(layered.weightBits(w.node())); // mixed precision, first/last layers
                }
                Ranges r = config.weightMethod().equals("mse") ? WeightRanges.mse(t, s) : WeightRanges.minMax(t, s);
                QuantParams p = r.toParams(s);
                ctx.weightParams().put(w.initializer(), p);
                ctx.weights().put(w.initializer(), new QdqWriter.QuantizedWeight(WeightQuantization.quantize(t, p), toQdq(p)));
            }
        }
        runSteps(ctx, PtqStep.Phase.WEIGHTS);

        // Calibration: observe every planned activation on each batch; hold some batches out for `best`.
        Map<String, ActivationStats> stats = new LinkedHashMap<>();
        ctx.activationSchemes().forEach((a, s) -> stats.put(a, new ActivationStats(s)));
        Executor floatExec = new Executor(ctx.prepared());
        boolean best = config.method().kind() == CalibrationMethod.Kind.BEST;
        int limit = Math.min(config.calibSize(), Math.max(1, calibration.size()));
        int heldOutSamples = best ? Math.max(Math.min(config.batchSize(), limit / 2), limit / 5) : 0;
        int calibSamples = limit - heldOutSamples;
        List<Map<String, Tensor>> heldOut = new ArrayList<>();
        TensorHook observe = TensorHook.observing((name, value) -> {
            ActivationStats s = stats.get(name);
            if (s != null) {
                s.observe(value);
            }
        });
        int seen = 0;
        if (reusedCalibration != null) {
            seen = reusedCalibration.fill(ctx, stats);
        }
        for (Map<String, Tensor> x : reusedCalibration != null ? List.<Map<String, Tensor>>of() : ctx.calibrationBatches()) {
            int n = Feeds.samples(x);
            if (seen < calibSamples) {
                Map<String, Tensor> cx = Feeds.take(x, calibSamples - seen);
                floatExec.run(cx, observe, Set.of());
                if (Feeds.samples(cx) < n) {
                    heldOut.add(Feeds.slice(x, Feeds.samples(cx), n));
                }
            } else {
                heldOut.add(x);
            }
            seen += n;
            progress.update("calibrate", seen, limit);
        }
        if (seen == 0) {
            throw new LowbitException(calibration.name() + ": no calibration samples");
        }
        QdqWriter.WeightQuantizer wq = (name, w, axis) -> ctx.weights().get(name);

        CalibrationMethod method = config.method();
        Map<String, Double> scores = new LinkedHashMap<>();
        if (best) {
            List<Map<String, Tensor>> reference = new ArrayList<>();
            for (Map<String, Tensor> x : heldOut) {
                reference.add(floatExec.run(x));
            }
            double bestScore = Double.NEGATIVE_INFINITY;
            List<CalibrationMethod> candidates = CalibrationMethod.candidates();
            int done = 0;
            for (CalibrationMethod c : candidates) {
                Model q = QdqWriter.write(ctx.prepared(), plan, activationParams(stats, c, g), wq);
                double score = heldOutSqnr(q, heldOut, reference);
                scores.put(c.toString(), score);
                if (score > bestScore) {
                    bestScore = score;
                    method = c;
                }
                progress.update("score methods", ++done, candidates.size());
            }
        }
        CalibrationMethod chosen = method;
        stats.forEach((a, s) -> ctx.activations().put(a, s.range(forTensor(chosen, a, g)).toParams(s.scheme())));
        runSteps(ctx, PtqStep.Phase.ACTIVATIONS);
        Model quantized = QdqWriter.write(ctx.prepared(), plan, a -> {
            QuantParams p = ctx.activations().get(a);
            return p == null ? null : toQdq(p);
        }, wq);
        quantized.metadata().put("lowbit.method", chosen.toString());
        quantized.metadata().put("lowbit.backend", backend.id());
        Quality quality = reusedCalibration != null ? null
                : Quality.measure(ctx.prepared(), quantized, calibration, seen, config.batchSize());
        return new PtqResult(quantized, ctx.prepared(), plan, ordered(ctx.activations()), ordered(ctx.weightParams()),
                chosen, scores, seen, (System.nanoTime() - start) / 1_000_000, ordered(ctx.notes()), histograms(stats),
                observed(stats), quality);
    }

    /**
     * An unmodifiable copy in the same order. Not Map.copyOf: its iteration order is randomised per
     * JVM launch, and QAT inserted its quantizers in that order, so two runs with the same seed
     * wrote checkpoints whose metadata lines and (through the graph's node order) float summation
     * order differed.
     */
    static <K, V> Map<K, V> ordered(Map<K, V> m) {
        return java.util.Collections.unmodifiableMap(new LinkedHashMap<>(m));
    }

    private static Map<String, dev.lowbit.calib.Histogram> histograms(Map<String, ActivationStats> stats) {
        Map<String, dev.lowbit.calib.Histogram> m = new LinkedHashMap<>();
        stats.forEach((k, v) -> m.put(k, v.histogramObserver().histogram()));
        return m;
    }

    private static Map<String, Ranges> observed(Map<String, ActivationStats> stats) {
        Map<String, Ranges> m = new LinkedHashMap<>();
        stats.forEach((k, v) -> m.put(k, v.observed()));
        return m;
    }

    private void runSteps(PtqContext ctx, PtqStep.Phase phase) {
        for (PtqStep s : steps) {
            if (s.phase() == phase) {
                long t0 = System.nanoTime();
                s.apply(ctx);
                ctx.notes().merge(s.name(), String.format("%.1f s", (System.nanoTime() - t0) / 1e9), (a, b) -> a + "; " + b);
            }
        }
    }

    static QuantScheme weightScheme(PtqConfig config, int axis) {
        QuantScheme s = config.weightScheme() != null ? config.weightScheme()
                : config.backend().defaultWeightScheme(config.weightBits(), Math.max(axis, 0));
        s = config.perChannel() && axis >= 0 ? s.withAxis(axis) : s.perTensor();
        config.backend().validate(BackendProfile.Role.WEIGHT, s);
        return s;
    }

    private static java.util.function.Function<String, QdqParams> activationParams(
            Map<String, ActivationStats> stats, CalibrationMethod m, Graph g) {
        Map<String, QdqParams> cache = new HashMap<>();
        return a -> cache.computeIfAbsent(a, k -> {
            ActivationStats s = stats.get(k);
            return s == null ? null : toQdq(s.range(forTensor(m, k, g)).toParams(s.scheme()));
        });
    }

    /**
     * The method for one tensor: the model's outputs (logits) keep their observed range, because
     * clipping the largest logits changes the argmax — the white paper calibrates logits apart from
     * the rest; entropy on logits cost 13 points of top-1 on the ResNet-style test model.
     */
    static CalibrationMethod forTensor(CalibrationMethod m, String tensor, Graph g) {
        return g.isGraphOutput(tensor) ? CalibrationMethod.MINMAX : m;
    }

    static QdqParams toQdq(QuantParams p) {
        QuantScheme s = p.scheme();
        return new QdqParams(p.scales(), p.zeroPoints(), s.perChannel() ? p.axis() : -1, s.storageType(), s.qmin(), s.qmax());
    }

    private static double heldOutSqnr(Model q, List<Map<String, Tensor>> heldOut, List<Map<String, Tensor>> reference) {
        Executor exec = new Executor(q);
        Agreement agreement = new Agreement();
        for (int i = 0; i < heldOut.size(); i++) {
            Map<String, Tensor> got = exec.run(heldOut.get(i));
            for (Map.Entry<String, Tensor> e : reference.get(i).entrySet()) {
                Tensor t = got.get(e.getKey());
                if (t != null && t.dtype() == dev.lowbit.tensor.DType.FLOAT) {
                    agreement.add(e.getValue().floats(), t.floats(), 0);
                }
            }
        }
        double s = agreement.sqnrDb();
        return Double.isNaN(s) ? Double.NEGATIVE_INFINITY : s;
    }

    /**
     * The first and last quantized weighted layers (in execution order) get {@code firstLastBits} weights,
     * and their input activations' parameter sources get that many bits in {@code activationBits}.
     */
    private static PtqConfig firstLast(PtqConfig config, Graph g, QuantPlan plan, Map<String, Integer> activationBits) {
        List<Node> layers = new ArrayList<>();
        Set<String> weighted = new java.util.HashSet<>();
        plan.weights().forEach(w -> weighted.add(w.node()));
        for (Node n : g.topologicalOrder()) {
            if (weighted.contains(n.name())) {
                layers.add(n);
            }
        }
        if (layers.isEmpty()) {
            return config;
        }
        Map<String, Integer> bits = new java.util.HashMap<>(config.weightBitsPerNode());
        for (Node n : List.of(layers.get(0), layers.get(layers.size() - 1))) {
            bits.put(n.name(), config.firstLastBits());
            if (plan.activations().contains(n.input(0))) {
                activationBits.put(plan.paramsSource(n.input(0)), config.firstLastBits());
            }
        }
        return config.toBuilder().weightBitsPerNode(bits).build();
    }

    /** True when {@code value} comes from an op whose output is never negative (ReLU-like). */
    static boolean nonNegative(Graph g, String value) {
        return OpQuantizers.nonNegative(g, value);
    }
}
