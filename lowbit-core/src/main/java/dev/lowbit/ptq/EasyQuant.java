package dev.lowbit.ptq;

import dev.lowbit.quant.QuantPlan;
import dev.lowbit.LowbitException;
import dev.lowbit.data.Feeds;
import dev.lowbit.exec.Executor;
import dev.lowbit.export.QdqWriter;
import dev.lowbit.onnx.Model;
import dev.lowbit.quant.FakeQuant;
import dev.lowbit.quant.QuantParams;
import dev.lowbit.tensor.Tensor;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * EasyQuant (Wu et al. 2020): per quantized layer, search the scales that maximise the mean cosine
 * similarity between the float layer output and the output computed from quantized input and
 * quantized weights, over a few calibration samples. Candidates are {@code α·S} around the
 * calibrated scale S, α evenly spaced in a range (plus α = 1, so no layer gets worse).
 *
 * <p>Pass 1 searches weight scales layer by layer, input = float input quantized with its
 * calibrated scale; per-channel scales are searched together in one sweep, each channel keeping
 * the α that maximises the cosine of its own output channel (which depends on no other channel's
 * scale). Pass 2 then searches each activation scale in topological order with weights fixed: the
 * layer input comes from the already-quantized prefix (the QDQ model written from the current
 * parameters, with this activation's quantizers left out), the target from the float model. An
 * activation read by several layers (a residual branch point) is scored on all of them; one that a
 * non-weighted op also reads (the skip input of a residual Add) adds its own cosine to the mean,
 * since the paper's per-conv objective would otherwise clip the skip path for free.
 *
 * <p>Runs in the {@link PtqStep.Phase#ACTIVATIONS} phase, when both initial scales exist.
 */
public final class EasyQuant implements PtqStep {
    /**
     * @param samples     calibration samples scored (the paper uses 50)
     * @param candidates  evenly spaced α values per range (the paper uses 100)
     * @param weightLo    smallest weight α
     * @param weightHi    largest weight α
     * @param actLo       smallest activation α (the released tool used 0.8)
     * @param actHi       largest activation α (the released tool used 1.0)
     * @param holdOut     choose α on the even samples and keep it only if the odd samples agree
     *                    it beats the calibrated scale (else keep α = 1): with 50 samples, gains
     *                    of 1e-5 in cosine are mostly selection noise. Off = the paper.
     */
    public record Options(int samples, int candidates, double weightLo, double weightHi, double actLo, double actHi,
                          boolean holdOut) {
        public static final Options PAPER = new Options(50, 100, 0.5, 2.0, 0.5, 2.0, false);

        public Options {
            if (samples < 1 || candidates < 2) {
                throw new LowbitException("easyquant needs at least 1 sample and 2 candidates, got " + samples + " and " + candidates);
            }
            if (!(weightLo > 0 && weightLo < weightHi && actLo > 0 && actLo < actHi)) {
                throw new LowbitException("easyquant ranges must satisfy 0 < lo < hi, got weights [" + weightLo + ", "
                        + weightHi + "] and activations [" + actLo + ", " + actHi + "]");
            }
        }
    }

    /**
     * What the search did to one layer: mean cosine before and after each pass (pass 2 measured
     * on the quantized-prefix input), and the chosen activation α.
     */
    public record LayerReport(String node, double weightCosineBefore, double weightCosineAfter,
                              double actCosineBefore, double actCosineAfter, double actAlpha) {
    }

    private final Options options;
    private final List<LayerReport> reports = new ArrayList<>();

    public EasyQuant(Options options) {
        this.options = options;
    }

    public EasyQuant() {
        this(Options.PAPER);
    }

    @Override
    public Phase phase() {
        return Phase.ACTIVATIONS;
    }

    @Override
    public String name() {
        return "easyquant";
    }

    /** Per-layer results of the last {@link #apply} (weight-pass cosines on the float input, activation-pass on the quantized prefix). */
    public List<LayerReport> reports() {
        return List.copyOf(reports);
    }

    @Override
    public void apply(PtqContext ctx) {
        reports.clear();
        Model prepared = ctx.prepared();
        QuantPlan plan = ctx.plan();
        List<LayerProbe> layers = LayerProbe.all(prepared, plan);
        if (layers.isEmpty()) {
            return;
        }
        Map<String, Tensor> x = samples(ctx);
        int n = Feeds.samples(x);
        Set<String> keep = new HashSet<>();
        layers.forEach(l -> {
            keep.add(l.input);
            keep.add(l.output);
        });
        Map<String, List<String>> direct = directlyReadTensors(ctx, layers);
        direct.values().forEach(keep::addAll);
        Map<String, Tensor> ref = new HashMap<>(new Executor(prepared).run(x, null, keep));
        ref.putAll(x);
        Map<String, double[]> weightCos = new LinkedHashMap<>();
        int done = 0;
        Set<String> searched = new HashSet<>();
        for (LayerProbe l : layers) {
            if (searched.add(l.weight)) {
                weightCos.put(l.node, searchWeight(ctx, l, ref, n));
            }
            ctx.progress().update("easyquant weights", ++done, layers.size());
        }
        Map<String, double[]> actCos = searchActivations(ctx, layers, direct, ref, n);
        for (LayerProbe l : layers) {
            double[] w = weightCos.getOrDefault(l.node, new double[] {Double.NaN, Double.NaN});
            double[] a = actCos.getOrDefault(l.node, new double[] {Double.NaN, Double.NaN, 1});
            reports.add(new LayerReport(l.node, w[0], w[1], a[0], a[1], a[2]));
        }
        ctx.notes().put("easyquant layers", String.format("%d layers, %d samples, %d candidates, weights x[%s, %s], activations x[%s, %s]",
                layers.size(), n, options.candidates(), options.weightLo(), options.weightHi(), options.actLo(), options.actHi()));
    }

    /** The first {@code options.samples} calibration images as one batch. */
    private Map<String, Tensor> samples(PtqContext ctx) {
        List<Map<String, Tensor>> parts = new ArrayList<>();
        int seen = 0;
        for (Map<String, Tensor> b : ctx.calibrationBatches()) {
            Map<String, Tensor> t = Feeds.take(b, options.samples() - seen);
            parts.add(t);
            seen += Feeds.samples(t);
            if (seen >= options.samples()) {
                break;
            }
        }
        if (seen == 0) {
            throw new LowbitException("easyquant: no calibration samples");
        }
        return Feeds.concat(parts);
    }

    private double[] alphas(double lo, double hi) {
        int k = options.candidates();
        double[] a = new double[k + 1];
        a[0] = 1.0; // the calibrated scale itself: the search can only improve on it
        for (int i = 0; i < k; i++) {
            a[i + 1] = lo + (hi - lo) * i / (k - 1);
        }
        return a;
    }

    /**
     * Pass 1 for one weight: every α rescales all channels at once; each channel keeps the α that
     * maximises its own cosine. Returns {mean layer cosine before, after}.
     */
    private double[] searchWeight(PtqContext ctx, LayerProbe l, Map<String, Tensor> ref, int n) {
        Tensor w = ctx.prepared().graph().initializer(l.weight);
        Tensor b = l.bias == null ? null : ctx.prepared().graph().initializer(l.bias);
        QuantParams wp = ctx.weightParams().get(l.weight);
        QuantParams ap = ctx.activations().get(ctx.plan().paramsSource(l.input));
        Tensor xq = FakeQuant.apply(ref.get(l.input), ap);
        float[] target = ref.get(l.output).floats();
        Tensor out0 = l.run(xq, FakeQuant.apply(w, wp), l.quantizedBias(b, ap, wp));
        double before = Cosine.meanPerSample(target, out0.floats(), n);
        int channels = wp.scales().length;
        if (channels == 1) {
            // Per-tensor weights: the layer cosine is the objective.
            double bestCos = before;
            float[] best = wp.scales();
            for (double a : alphas(options.weightLo(), options.weightHi())) {
                QuantParams p = scaled(wp, a);
                double c = Cosine.meanPerSample(target, l.run(xq, FakeQuant.apply(w, p), l.quantizedBias(b, ap, p)).floats(), n);
                if (c > bestCos) {
                    bestCos = c;
                    best = p.scales();
                }
            }
            store(ctx, l.weight, w, withScales(wp, best));
            return new double[] {before, bestCos};
        }
        int[] shape = out0.shapeRef();
        int chAxis = l.channelLast ? shape.length - 1 : 1;
        if (shape[chAxis] != channels) {
            throw new LowbitException("easyquant: " + l.node + " has " + shape[chAxis] + " output channels but "
                    + channels + " weight scales");
        }
        int inner = out0.size() / (n * channels);
        boolean split = options.holdOut() && n >= 2;
        int step = split ? 2 : 1;
        double[] bestCos = new double[channels];
        java.util.Arrays.fill(bestCos, Double.NEGATIVE_INFINITY);
        double[] checkAtBest = new double[channels];
        double[] checkAtOne = null;
        float[] best = wp.scales().clone();
        for (double a : alphas(options.weightLo(), options.weightHi())) {
            QuantParams p = scaled(wp, a);
            Tensor out = l.run(xq, FakeQuant.apply(w, p), l.quantizedBias(b, ap, p));
            double[] c = Cosine.perChannel(target, out.floats(), n, channels, inner, l.channelLast, 0, step);
            double[] check = split ? Cosine.perChannel(target, out.floats(), n, channels, inner, l.channelLast, 1, 2) : c;
            if (checkAtOne == null) {
                checkAtOne = check;
            }
            for (int ch = 0; ch < channels; ch++) {
                if (c[ch] > bestCos[ch]) { // α = 1 comes first, so ties keep the calibrated scale
                    bestCos[ch] = c[ch];
                    best[ch] = p.scales()[ch];
                    checkAtBest[ch] = check[ch];
                }
            }
        }
        for (int ch = 0; ch < channels; ch++) {
            if (checkAtBest[ch] < checkAtOne[ch]) {
                best[ch] = wp.scales()[ch]; // the held-out samples disagree: keep the calibrated scale
            }
        }
        QuantParams chosen = withScales(wp, best);
        double after = Cosine.meanPerSample(target, l.run(xq, FakeQuant.apply(w, chosen), l.quantizedBias(b, ap, chosen)).floats(), n);
        if (after < before) {
            // Per-channel optima ignore how channels' errors add up; never accept a worse layer.
            chosen = wp;
            after = before;
        }
        store(ctx, l.weight, w, chosen);
        return new double[] {before, after};
    }

    /** Pass 2: activation scales in topological order, inputs from the quantized prefix. Returns node -> {before, after, α}. */
    private Map<String, double[]> searchActivations(PtqContext ctx, List<LayerProbe> layers, Map<String, List<String>> direct,
                                                    Map<String, Tensor> ref, int n) {
        QuantPlan plan = ctx.plan();
        Map<String, List<LayerProbe>> bySource = new LinkedHashMap<>();
        for (LayerProbe l : layers) {
            bySource.computeIfAbsent(plan.paramsSource(l.input), k -> new ArrayList<>()).add(l);
        }
        Map<String, double[]> out = new LinkedHashMap<>();
        Map<String, Tensor> x = new LinkedHashMap<>();
        ctx.inputNames().forEach(in -> x.put(in, ref.get(in)));
        int done = 0;
        for (Map.Entry<String, List<LayerProbe>> e : bySource.entrySet()) {
            String source = e.getKey();
            List<LayerProbe> consumers = e.getValue();
            QuantParams ap = ctx.activations().get(source);
            if (ap == null) {
                continue;
            }
            List<String> others = direct.getOrDefault(source, List.of());
            Map<String, Tensor> inputs = prefixInputs(ctx, source, consumers, others, x);
            double before = Double.NaN;
            double bestCos = Double.NEGATIVE_INFINITY;
            double bestAlpha = 1;
            boolean split = options.holdOut() && n >= 2;
            double checkAtOne = Double.NaN;
            double checkAtBest = Double.NaN;
            double fullAtBest = Double.NaN;
            for (double a : alphas(options.actLo(), options.actHi())) {
                QuantParams p = scaled(ap, a);
                double sum = 0;
                double sumSearch = 0;
                double sumCheck = 0;
                for (LayerProbe l : consumers) {
                    QuantParams wp = ctx.weightParams().get(l.weight);
                    Tensor w = FakeQuant.apply(ctx.prepared().graph().initializer(l.weight), wp);
                    Tensor b = l.bias == null ? null : ctx.prepared().graph().initializer(l.bias);
                    Tensor y = l.run(FakeQuant.apply(inputs.get(l.input), p), w, l.quantizedBias(b, p, wp));
                    float[] r = ref.get(l.output).floats();
                    sum += Cosine.meanPerSample(r, y.floats(), n);
                    if (split) {
                        sumSearch += Cosine.meanPerSample(r, y.floats(), n, 0, 2);
                        sumCheck += Cosine.meanPerSample(r, y.floats(), n, 1, 2);
                    }
                }
                for (String t : others) {
                    // Read by a non-weighted op (a residual Add, Concat, pooling): its own cosine counts.
                    float[] r = ref.get(t).floats();
                    float[] q = FakeQuant.apply(inputs.get(t), p).floats();
                    sum += Cosine.meanPerSample(r, q, n);
                    if (split) {
                        sumSearch += Cosine.meanPerSample(r, q, n, 0, 2);
                        sumCheck += Cosine.meanPerSample(r, q, n, 1, 2);
                    }
                }
                int terms = consumers.size() + others.size();
                double c = sum / terms;
                double searchScore = split ? sumSearch / terms : c;
                double check = split ? sumCheck / terms : c;
                if (Double.isNaN(before)) {
                    before = c;
                    checkAtOne = check;
                }
                if (searchScore > bestCos) {
                    bestCos = searchScore;
                    bestAlpha = a;
                    checkAtBest = check;
                    fullAtBest = c;
                }
            }
            if (checkAtBest < checkAtOne || fullAtBest < before) {
                bestAlpha = 1; // the held-out samples (or all of them) disagree: keep the calibrated scale
                fullAtBest = before;
            }
            ctx.activations().put(source, scaled(ap, bestAlpha));
            for (LayerProbe l : consumers) {
                out.put(l.node, new double[] {before, fullAtBest, bestAlpha});
            }
            ctx.progress().update("easyquant activations", ++done, bySource.size());
        }
        return out;
    }

    /**
     * Runs the model quantized with the current parameters except the quantizers of {@code source}
     * (and the tensors sharing its parameters), and returns the consumers' float inputs.
     */
    private static Map<String, Tensor> prefixInputs(PtqContext ctx, String source, List<LayerProbe> consumers,
                                                    List<String> others, Map<String, Tensor> x) {
        QuantPlan plan = ctx.plan();
        QuantPlan partial = new QuantPlan(plan.recipe());
        partial.readers().putAll(plan.readers());
        for (String a : plan.activations()) {
            if (!plan.paramsSource(a).equals(source)) {
                partial.activations().add(a);
            }
        }
        plan.sharedParams().forEach((k, v) -> {
            if (partial.activations().contains(k)) {
                partial.sharedParams().put(k, v);
            }
        });
        partial.weights().addAll(plan.weights());
        partial.biases().addAll(plan.biases());
        partial.quantizedNodes().addAll(plan.quantizedNodes());
        Model m = QdqWriter.write(ctx.prepared(), partial, a -> {
            QuantParams p = ctx.activations().get(a);
            return p == null ? null : PostTrainingQuantizer.toQdq(p);
        }, (name, w, axis) -> ctx.weights().get(name));
        Set<String> keep = new HashSet<>(others);
        consumers.forEach(l -> keep.add(l.input));
        Map<String, Tensor> got = new Executor(m).run(x, null, keep);
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (String name : keep) {
            Tensor t = x.containsKey(name) ? x.get(name) : got.get(name);
            if (t == null) {
                throw new LowbitException("easyquant: the quantized model does not compute '" + name + "'");
            }
            out.put(name, t);
        }
        return out;
    }

    /**
     * Per searched activation source, the tensors quantized with its parameters that some op other
     * than a searched layer reads directly (not through data movement that shares the parameters):
     * clipping them is not free, so their own cosine joins the objective.
     */
    private static Map<String, List<String>> directlyReadTensors(PtqContext ctx, List<LayerProbe> layers) {
        QuantPlan plan = ctx.plan();
        var g = ctx.prepared().graph();
        Set<String> layerNodes = new HashSet<>();
        Set<String> sources = new HashSet<>();
        layers.forEach(l -> {
            layerNodes.add(l.node);
            sources.add(plan.paramsSource(l.input));
        });
        Map<String, List<String>> out = new LinkedHashMap<>();
        for (String t : plan.activations()) {
            String source = plan.paramsSource(t);
            if (!sources.contains(source)) {
                continue;
            }
            boolean direct = g.isGraphOutput(t);
            for (var c : g.consumers(t)) {
                boolean sharing = !c.outputs().isEmpty() && plan.paramsSource(c.output(0)).equals(source)
                        && plan.activations().contains(c.output(0));
                direct |= !sharing && !layerNodes.contains(c.key());
            }
            if (direct) {
                out.computeIfAbsent(source, k -> new ArrayList<>()).add(t);
            }
        }
        return out;
    }

    private static QuantParams scaled(QuantParams p, double alpha) {
        float[] s = p.scales().clone();
        for (int i = 0; i < s.length; i++) {
            s[i] = (float) (s[i] * alpha);
        }
        return withScales(p, s);
    }

    private static QuantParams withScales(QuantParams p, float[] scales) {
        return new QuantParams(scales, p.zeroPoints(), p.axis(), p.scheme());
    }

    /** Writes the chosen weight parameters and their integer codes (rounded as QuantizeLinear does) into the context. */
    private static void store(PtqContext ctx, String name, Tensor w, QuantParams p) {
        ctx.weightParams().put(name, p);
        ctx.weights().put(name, new QdqWriter.QuantizedWeight(WeightQuantization.quantize(w, p), PostTrainingQuantizer.toQdq(p)));
    }
}
