package dev.lowbit.qat;

import dev.lowbit.LowbitException;
import dev.lowbit.data.Batch;
import dev.lowbit.data.DataSettings;
import dev.lowbit.data.Dataset;
import dev.lowbit.exec.Executor;
import dev.lowbit.export.QdqWriter;
import dev.lowbit.grad.GradRegistry;
import dev.lowbit.grad.Losses;
import dev.lowbit.grad.Tape;
import dev.lowbit.onnx.Graph;
import dev.lowbit.onnx.Model;
import dev.lowbit.onnx.ModelIO;
import dev.lowbit.onnx.Node;
import dev.lowbit.ptq.CalibrationMethod;
import dev.lowbit.ptq.PostTrainingQuantizer;
import dev.lowbit.ptq.PtqConfig;
import dev.lowbit.ptq.PtqResult;
import dev.lowbit.quant.QuantPlan;
import dev.lowbit.quant.QuantParams;
import dev.lowbit.tensor.DType;
import dev.lowbit.tensor.Tensor;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * Quantization-aware training of a BN-folded float graph (see the package doc). Build with
 * {@link #create}, optionally {@link #resume}, then {@link #train}. Deterministic: the data order
 * and augmentation of epoch e come from {@code seed} and e alone, so a resumed run continues the
 * same sequence (optimizer moments and learned step sizes are checkpointed too).
 */
public final class QatTrainer {
    /** Training progress callbacks (the CLI draws them with {@code cli.Progress}). */
    public interface Listener {
        Listener NONE = new Listener() {
        };

        default void epochStart(int epoch, int epochs, long steps) {
        }

        /** After each optimizer step: this step's loss, the epoch's running train top-1 (fraction), the learning rate. */
        default void step(int epoch, long step, long steps, double loss, double trainTop1, double lr) {
        }

        default void epochEnd(EpochResult r) {
        }
    }

    /** What one epoch did; top-1 values are fractions in [0, 1] on the (limited) test set. */
    public record EpochResult(int epoch, int steps, double trainLoss, double trainTop1, double floatTop1,
                              double quantTop1, double seconds, Path checkpoint) {
    }

    static final String META_EPOCH = "lowbit.qat.epoch", META_SCALES = "lowbit.qat.scales", META_MODE = "lowbit.qat.mode",
            META_WEIGHT_SCALES = "lowbit.qat.weight_scales";
    /** Prefix of the checkpoint initializers that hold optimizer state (unused by the graph). */
    static final String OPTIMIZER_PREFIX = "lowbit.optimizer/";
    /** Prefix of the checkpoint initializers that hold unfolded Conv-BN tensors while BN trains. */
    static final String UNFOLDED_PREFIX = "lowbit.unfolded/";
    /** Prefix of the checkpoint initializers that hold moving-average observer ranges {low, high}. */
    static final String OBSERVER_PREFIX = "lowbit.observer/";

    private final TrainConfig config;
    private final Model prepared;
    private final QuantPlan plan;
    private final Map<String, WeightQuantizer> weightQuantizers = new LinkedHashMap<>();
    /** Quantized weights that are not trained: their fixed float values, fake-quantized in every forward. */
    private final Map<String, Tensor> frozenWeights = new LinkedHashMap<>();
    private final Map<String, ActivationQuantizers.Quantizer> quantizers;
    private final Tape tape;
    private final List<String> trainable;
    private final Map<String, ParamOptimizer> optimizers = new LinkedHashMap<>();
    private final List<String> inputNames;
    /** The training samples bound to the model's inputs. */
    private final Map<String, Tensor> trainFeeds;
    private final String outputName;
    private final Batch train, test;
    private final PtqResult ptq;
    private final Executor teacher;
    /** Conv-BN pairs trained with batch statistics until freeze_bn_epoch (null when BN is folded up front). */
    private final BatchNormQat bn;
    private final Set<String> noDecay = new HashSet<>();
    private int epochsDone;
    private boolean bnTraining;
    /** Moving-average min-max observers update activation ranges (quantizer ema, before observer_off_epoch). */
    private boolean observing;

    private QatTrainer(TrainConfig config, Model floatModel, Dataset calibration, Batch train, Batch test) {
        this.config = config;
        this.train = train;
        this.test = test;
        boolean qat = config.mode().equals("qat");
        if (qat) {
            PtqConfig pc = PtqConfig.builder().weightBits(config.weightBits()).activationBits(config.activationBits())
                    .perChannel(config.perChannel()).backend(config.backend())
                    .method(CalibrationMethod.parse(config.calibMethod())).calibSize(config.calibSize())
                    .firstLastBits(config.firstLastBits()).weightMethod(config.weightMethod()).build();
            ptq = new PostTrainingQuantizer(pc).quantize(floatModel, calibration);
            prepared = ptq.prepared();
            plan = ptq.plan();
            boolean learnedWeights = config.weightQuantizer().equals("lsq");
            ptq.weights().forEach((k, v) -> weightQuantizers.put(k, new WeightQuantizer(v.scheme(), learnedWeights, v)));
        } else {
            ptq = null;
            prepared = PostTrainingQuantizer.prepare(floatModel);
            plan = null;
        }
        Graph pg = prepared.graph();
        if (pg.outputs().size() != 1) {
            throw new LowbitException("training needs a model with one output (logits); this one has "
                    + pg.outputs().size() + " (" + String.join(", ", pg.outputs().stream().map(v -> v.name()).toList()) + ")");
        }
        inputNames = pg.runtimeInputs().stream().map(v -> v.name()).toList();
        trainFeeds = train.feeds(inputNames);
        outputName = pg.outputs().get(0).name();
        BatchNormQat bnq = config.freezeBnEpoch() > 0
                ? BatchNormQat.build(PostTrainingQuantizer.clean(floatModel), prepared) : null;
        bn = bnq != null && !bnq.pairs().isEmpty() ? bnq : null;
        Model tm = bn != null ? bn.trainingModel() : prepared.copy();
        List<String> names = trainableInitializers(tm.graph());
        Set<String> params = new HashSet<>();
        if (bn != null) {
            for (BatchNormQat.Pair p : bn.pairs()) {
                names.remove(p.quantizedWeight());
                names.addAll(List.of(p.weight(), p.gamma(), p.beta(), p.bias()));
                noDecay.add(p.bias());
                // Running statistics and per-step feeds are hidden from the ops too (no op may pre-pack them).
                params.addAll(List.of(p.mean(), p.var(), p.quantizedWeight(), p.invFactor()));
            }
        }
        trainable = new ArrayList<>(new LinkedHashSet<>(names));
        params.addAll(trainable);
        if (qat) {
            Map<String, String> acts = new LinkedHashMap<>();
            plan.activations().forEach(a -> acts.put(a, plan.paramsSource(a)));
            quantizers = ActivationQuantizers.insert(tm.graph(), acts, ptq.activations());
            quantizers.values().forEach(q -> params.addAll(List.of(q.scale, q.low, q.high)));
        } else {
            quantizers = Map.of();
        }
        tape = new Tape(tm.graph(), tm.opsets(), params, GradRegistry.standard(), true);
        weightQuantizers.keySet().forEach(w -> { // e.g. an embedding table: quantized, not trained
            if (!tape.parameters().containsKey(w) && tm.graph().initializer(w) != null) {
                frozenWeights.put(w, tm.graph().initializer(w));
            }
        });
        for (String p : trainable) {
            Tensor t = tape.parameters().get(p);
            optimizers.put(p, new ParamOptimizer(config.optimizer(), t.size(), config.momentum(),
                    t.rank() > 1 && !noDecay.contains(p) ? config.weightDecay() : 0));
        }
        quantizers.keySet().forEach(s -> optimizers.put("scale:" + s, ParamOptimizer.forStepSizes(config.optimizer(), 1,
                config.momentum())));
        weightQuantizers.forEach((w, q) -> {
            if (q.learned()) {
                optimizers.put("wscale:" + w, ParamOptimizer.forStepSizes(config.optimizer(), q.scales().length, config.momentum()));
            }
        });
        teacher = config.loss().equals("ce") ? null : new Executor(prepared);
    }

    /** Runs PTQ (qat mode) or BN folding (float mode) and prepares the training graph. */
    public static QatTrainer create(TrainConfig config, Model floatModel, Dataset calibration, Batch train, Batch test) {
        Model start = config.init().equals("random") ? WeightInit.random(floatModel, config.seed()) : floatModel;
        return new QatTrainer(config, start, calibration, train, test);
    }

    /**
     * Loads the model and data {@code config} names and builds the trainer (PTQ included): the
     * training, test and calibration sets (the first {@code calib_size} training samples) are read
     * with the config's preprocessing laid over the model's metadata ({@link DataSettings}).
     */
    public static QatTrainer fromConfig(TrainConfig config) {
        Model m = ModelIO.load(config.model());
        DataSettings data = DataSettings.NONE.withPreprocess(config.preprocess());
        Batch train;
        Batch test;
        try (Dataset ds = data.open(config.trainData(), m, config.trainLimit())) {
            train = ds.readAll();
        }
        try (Dataset ds = data.open(config.testData(), m, config.testLimit())) {
            test = ds.readAll();
        }
        try (Dataset calib = data.open(config.trainData(), m, config.calibSize())) {
            return create(config, m, calib, train, test);
        }
    }

    /** Conv/Gemm weights and biases, MatMul weights and the bias Add after a MatMul: the float initializers trained. */
    static List<String> trainableInitializers(Graph g) {
        Set<String> out = new LinkedHashSet<>();
        for (Node n : g.topologicalOrder()) {
            for (int i = 0; i < n.inputs().size(); i++) {
                String in = n.input(i);
                Tensor t = in.isEmpty() ? null : g.initializer(in);
                if (t == null || t.dtype() != DType.FLOAT) {
                    continue;
                }
                boolean take = switch (n.opType()) {
                    case "Conv", "Gemm" -> i >= 1;
                    case "MatMul" -> i == 1;
                    case "Add" -> n.inputs().stream().anyMatch(o -> g.producer(o) != null
                            && g.producer(o).opType().equals("MatMul"));
                    default -> false;
                };
                if (take) {
                    out.add(in);
                }
            }
        }
        return new ArrayList<>(out);
    }

    public int epochsDone() {
        return epochsDone;
    }

    /** The PTQ run training started from (null in float mode). */
    public PtqResult ptq() {
        return ptq;
    }

    /** Trainable tensors by name (live: training updates them in place). */
    public Map<String, Tensor> parameters() {
        Map<String, Tensor> m = new LinkedHashMap<>();
        trainable.forEach(p -> m.put(p, tape.parameters().get(p)));
        return m;
    }

    /** Every tensor the tape holds apart from the graph (trained tensors, running statistics, step feeds). */
    Map<String, Tensor> tapeParameters() {
        return tape.parameters();
    }

    /** Current activation scales by parameter source. */
    public Map<String, Float> activationScales() {
        Map<String, Float> m = new LinkedHashMap<>();
        quantizers.forEach((k, q) -> m.put(k, q.scaleValue()));
        return m;
    }

    /** Learned weight step sizes by weight name (live; empty unless weights use LSQ). */
    public Map<String, float[]> weightScales() {
        Map<String, float[]> m = new LinkedHashMap<>();
        weightQuantizers.forEach((k, q) -> {
            if (q.learned()) {
                m.put(k, q.scales());
            }
        });
        return m;
    }

    /** Restores weights, activation scales and the epoch counter from a checkpoint written by this trainer. */
    public QatTrainer resume(Model checkpoint) {
        String epoch = checkpoint.metadata().get(META_EPOCH);
        if (epoch == null || !config.mode().equals(checkpoint.metadata().get(META_MODE))) {
            throw new LowbitException("not a " + config.mode() + " checkpoint of lowbit train (no " + META_EPOCH + ")");
        }
        for (String p : tape.parameters().keySet()) {
            Tensor t = checkpoint.graph().initializer(UNFOLDED_PREFIX + p);
            if (t == null && trainable.contains(p)) {
                t = checkpoint.graph().initializer(p);
            }
            if (t == null && !trainable.contains(p)) {
                continue; // a per-step feed or activation scale: restored below or recomputed
            }
            if (t == null || t.size() != tape.parameters().get(p).size()) {
                throw new LowbitException("checkpoint does not match the model: parameter '" + p + "' differs");
            }
            System.arraycopy(t.floats(), 0, tape.parameters().get(p).floats(), 0, t.size());
        }
        String scales = checkpoint.metadata().getOrDefault(META_SCALES, "");
        for (String kv : scales.split("\n")) {
            int eq = kv.lastIndexOf('=');
            if (eq > 0 && quantizers.containsKey(kv.substring(0, eq))) {
                quantizers.get(kv.substring(0, eq)).setScale(Float.intBitsToFloat(
                        Integer.parseUnsignedInt(kv.substring(eq + 1), 16)), tape.parameters());
            }
        }
        quantizers.forEach((src, q) -> {
            Tensor range = checkpoint.graph().initializer(OBSERVER_PREFIX + src);
            if (range != null && range.size() == 2) {
                q.emaLow = range.floats()[0];
                q.emaHigh = range.floats()[1];
            }
        });
        for (String kv : checkpoint.metadata().getOrDefault(META_WEIGHT_SCALES, "").split("\n")) {
            int eq = kv.lastIndexOf('=');
            WeightQuantizer wq = eq > 0 ? weightQuantizers.get(kv.substring(0, eq)) : null;
            if (wq != null) {
                String[] hex = kv.substring(eq + 1).split(",");
                float[] sc = new float[hex.length];
                for (int i = 0; i < hex.length; i++) {
                    sc[i] = Float.intBitsToFloat(Integer.parseUnsignedInt(hex[i], 16));
                }
                wq.setScales(sc);
            }
        }
        optimizers.forEach((k, o) -> o.restore(checkpoint.graph().initializer(OPTIMIZER_PREFIX + k)));
        epochsDone = Integer.parseInt(epoch);
        return this;
    }

    /** Steps per epoch: the training set in batches, capped by max_steps. */
    public int stepsPerEpoch() {
        int n = (train.size() + config.batchSize() - 1) / config.batchSize();
        return config.maxSteps() > 0 ? Math.min(n, config.maxSteps()) : n;
    }

    double learningRate(long step, long total) {
        long warm = Math.round(config.warmupEpochs() * stepsPerEpoch());
        if (step < warm) {
            return config.lr() * (step + 1) / warm;
        }
        if (config.schedule().equals("constant")) {
            return config.lr();
        }
        return config.lr() * 0.5 * (1 + Math.cos(Math.PI * (step - warm) / Math.max(1, total - warm)));
    }

    /** Trains the remaining epochs, checkpointing after each; returns one result per epoch trained. */
    public List<EpochResult> train(Listener listener) {
        List<EpochResult> results = new ArrayList<>();
        int spe = stepsPerEpoch();
        long total = (long) spe * config.epochs();
        for (int e = epochsDone; e < config.epochs(); e++) {
            long t0 = System.nanoTime();
            listener.epochStart(e + 1, config.epochs(), spe);
            batchNormTraining(e < config.freezeBnEpoch());
            observing = config.quantizer().equals("ema") && e < config.observerOffEpoch();
            int[] order = permutation(train.size(), new Random(config.seed() * 1_000_003L + e));
            Random aug = new Random(config.seed() * 31 + e * 7919L + 1);
            double lossSum = 0;
            long correct = 0, seen = 0;
            for (int s = 0; s < spe; s++) {
                int from = s * config.batchSize(), to = Math.min(train.size(), from + config.batchSize());
                int[] idx = Arrays.copyOfRange(order, from, to);
                double lr = learningRate((long) e * spe + s, total);
                double[] r = step(Augment.batch(trainFeeds, idx, config.cropPadding(), config.flip(), aug),
                        labels(idx), lr);
                lossSum += r[0] * idx.length;
                correct += (long) r[1];
                seen += idx.length;
                listener.step(e + 1, s + 1, spe, r[0], (double) correct / seen, lr);
            }
            epochsDone = e + 1;
            Model floatNow = currentFloatModel();
            Model exported = export();
            double floatTop1 = Evaluation.top1(floatNow, test, config.testLimit());
            double quantTop1 = config.mode().equals("qat") ? Evaluation.top1(exported, test, config.testLimit()) : Double.NaN;
            Path ckpt = checkpoint(floatNow, exported);
            EpochResult res = new EpochResult(e + 1, spe, lossSum / seen, (double) correct / seen, floatTop1, quantTop1,
                    (System.nanoTime() - t0) / 1e9, ckpt);
            results.add(res);
            listener.epochEnd(res);
        }
        ModelIO.save(export(), config.output());
        return results;
    }

    private long[] labels(int[] idx) {
        long[] y = new long[idx.length];
        for (int i = 0; i < idx.length; i++) {
            y[i] = train.labels()[idx[i]];
        }
        return y;
    }

    /** One optimizer step on a batch; returns {loss, correct predictions}. */
    double[] step(Map<String, Tensor> x, long[] y, double lr) {
        StepGradients g = gradients(x, y);
        Map<String, Tensor> values = tape.parameters();
        if (bnTraining) {
            bn.pairs().forEach(p -> BatchNormQat.updateRunningStats(p, tape.value(p.bnInput()), values));
        }
        if (observing) {
            quantizers.values().forEach(q -> q.observe(q.sites.stream().map(s -> tape.value(s.input())).toList(), values));
        }
        for (String p : trainable) {
            optimizers.get(p).step(values.get(p).floats(), g.params().get(p).floats(), lr);
        }
        g.weightSteps().forEach((w, ds) -> {
            WeightQuantizer wq = weightQuantizers.get(w);
            optimizers.get("wscale:" + w).step(wq.scales(), ds, lr * config.stepLrFactor());
            wq.clampScales();
        });
        g.activationSteps().forEach((src, ds) -> {
            ActivationQuantizers.Quantizer q = quantizers.get(src);
            float[] sv = {q.scaleValue()};
            optimizers.get("scale:" + src).step(sv, new float[] {ds}, lr * config.stepLrFactor());
            q.setScale(Math.max(sv[0], 1e-8f), values);
        });
        return new double[] {g.loss(), g.correct()};
    }

    /**
     * Everything one step needs, before any update: the loss, correct predictions, d loss / d each
     * trainable tensor and d loss / d each learned step size (weights per channel, activations).
     */
    record StepGradients(double loss, int correct, Map<String, Tensor> params, Map<String, float[]> weightSteps,
                         Map<String, Float> activationSteps) {
    }

    /** Logits of the training graph on feeds {@code x} in the current mode (fake quantization included). */
    Tensor predict(Map<String, Tensor> x) {
        return forward(x, new HashMap<>());
    }

    /** Training-mode BN (batch statistics, running statistics updated by steps) on or off. */
    void batchNormTraining(boolean on) {
        bnTraining = on && bn != null;
        tape.setTraining(bnTraining);
    }

    /** Runs the tape on feeds {@code x}; {@code folded} receives the unquantized BN-folded weights fed. */
    private Tensor forward(Map<String, Tensor> x, Map<String, Tensor> folded) {
        Map<String, Tensor> feeds = new LinkedHashMap<>(x);
        Map<String, Tensor> values = tape.parameters();
        if (bn != null) {
            bn.feeds(values, feeds, (w, f) -> {
                folded.put(w, f);
                WeightQuantizer q = weightQuantizers.get(w);
                return q == null ? f : FakeQuant.fakeQuantize(f, q.params(f));
            });
        }
        weightQuantizers.forEach((w, q) -> {
            Tensor master = values.containsKey(w) ? values.get(w) : frozenWeights.get(w);
            if (!folded.containsKey(w) && master != null) {
                feeds.put(w, FakeQuant.fakeQuantize(master, q.params(master)));
            }
        });
        if (plan != null) {
            quantizeBiases(values, feeds);
        }
        return tape.forward(feeds).get(outputName);
    }

    /**
     * Biases as the export stores them: int32 with step input-scale × weight-scale. At 4 bits that step is
     * coarse enough to matter, so training sees it too (straight through). A Conv-BN pair's bias is
     * quantized after folding, once BN is frozen; while BN uses batch statistics the bias cancels out.
     */
    private void quantizeBiases(Map<String, Tensor> values, Map<String, Tensor> feeds) {
        Map<String, BatchNormQat.Pair> byFoldedBias = new HashMap<>();
        if (bn != null) {
            bn.pairs().forEach(p -> byFoldedBias.put(p.foldedBias(), p));
        }
        for (QuantPlan.Bias b : plan.biases()) {
            ActivationQuantizers.Quantizer in = quantizers.get(plan.paramsSource(b.activation()));
            WeightQuantizer wq = weightQuantizers.get(b.weight());
            if (in == null || wq == null) {
                continue;
            }
            float[] ws = wq.params().scales();
            BatchNormQat.Pair pair = byFoldedBias.get(b.initializer());
            if (pair == null && values.containsKey(b.initializer())) {
                float[] master = values.get(b.initializer()).floats(), q = new float[master.length];
                for (int c = 0; c < q.length; c++) {
                    q[c] = biasStep(master[c], in.scaleValue() * ws[ws.length == 1 ? 0 : c]);
                }
                feeds.put(b.initializer(), Tensor.of(q, values.get(b.initializer()).shape()));
            } else if (pair != null && !bnTraining) {
                feeds.put(pair.bias(), BatchNormQat.quantizedBias(pair, values, c -> in.scaleValue() * ws[ws.length == 1 ? 0 : c]));
            }
        }
    }

    /** {@code b} rounded to a multiple of {@code step} (float32 arithmetic, as QdqWriter and DequantizeLinear). */
    static float biasStep(float b, float step) {
        return (float) Math.rint(b / (double) step) * step;
    }

    /** {@link #gradients(Map, long[])} of a model with one input. */
    StepGradients gradients(Tensor x, long[] y) {
        return gradients(only(x), y);
    }

    /** {@code x} as the feeds of a model with one input. */
    private Map<String, Tensor> only(Tensor x) {
        if (inputNames.size() != 1) {
            throw new IllegalStateException("the model has " + inputNames.size() + " inputs: feed them by name");
        }
        return Map.of(inputNames.get(0), x);
    }

    /** {@link #step(Map, long[], double)} of a model with one input. */
    double[] step(Tensor x, long[] y, double lr) {
        return step(only(x), y, lr);
    }

    /** {@link #predict(Map)} of a model with one input. */
    Tensor predict(Tensor x) {
        return predict(only(x));
    }

    StepGradients gradients(Map<String, Tensor> x, long[] y) {
        Map<String, Tensor> values = tape.parameters();
        Map<String, Tensor> folded = new HashMap<>();
        Tensor logits = forward(x, folded);
        Losses.Loss loss = loss(x, logits, Tensor.of(y, y.length));
        boolean learned = (config.quantizer().equals("lsq") || config.quantizer().equals("pact")) && !quantizers.isEmpty();
        List<String> wrt = new ArrayList<>(trainable);
        if (bn != null) {
            bn.pairs().forEach(p -> wrt.addAll(List.of(p.quantizedWeight(), p.invFactor())));
        }
        if (learned) {
            quantizers.values().forEach(q -> q.sites.forEach(s -> wrt.add(s.output())));
        }
        Map<String, Tensor> grads = tape.backward(Map.of(outputName, loss.gradient()), wrt);
        Map<String, float[]> weightSteps = new LinkedHashMap<>();
        if (bn != null) { // the weight the graph saw is q(W·γ/σ): chain back to W and γ
            for (BatchNormQat.Pair p : bn.pairs()) {
                float[] dq = grads.get(p.quantizedWeight()).floats();
                WeightQuantizer wq = weightQuantizers.get(p.weight());
                float[] ds = wq == null ? null : wq.backward(folded.get(p.weight()), dq);
                if (ds != null) {
                    weightSteps.put(p.weight(), ds);
                }
                float[] dW = new float[dq.length];
                BatchNormQat.chain(p, values, dq, grads.get(p.invFactor()).floats(), dW, grads.get(p.gamma()).floats());
                grads.put(p.weight(), Tensor.of(dW, values.get(p.weight()).shape()));
            }
        }
        Map<String, Tensor> params = new LinkedHashMap<>();
        for (String p : trainable) {
            WeightQuantizer wq = weightQuantizers.get(p);
            if (wq != null && !folded.containsKey(p)) {
                float[] ds = wq.backward(values.get(p), grads.get(p).floats());
                if (ds != null) {
                    weightSteps.put(p, ds);
                }
            }
            params.put(p, grads.get(p));
        }
        Map<String, Float> activationSteps = new LinkedHashMap<>();
        if (learned) {
            boolean pact = config.quantizer().equals("pact");
            for (ActivationQuantizers.Quantizer q : quantizers.values()) {
                QuantParams p = q.params;
                int z = p.zeroPoints()[0], qmin = p.scheme().qmin(), qmax = p.scheme().qmax();
                double ds = 0;
                for (ActivationQuantizers.Site s : q.sites) {
                    Tensor in = tape.value(s.input());
                    float[] g = grads.get(s.output()).floats();
                    ds += pact ? FakeQuant.pactScaleGradient(in.floats(), g, p.scales()[0], z, qmin, qmax)
                            : FakeQuant.lsqScaleGradient(in.floats(), g, p.scales()[0], z, qmin, qmax,
                                    in.size() / Math.max(1, in.dim(0)));
                }
                if (pact) { // PACT's L2 penalty on the clip level α = s·(qmax − z)
                    double alpha = p.scales()[0] * (qmax - z);
                    ds += 2 * config.pactDecay() * alpha * (qmax - z);
                }
                activationSteps.put(q.source, (float) ds);
            }
        }
        return new StepGradients(loss.value(), Evaluation.correct(logits, y), params, weightSteps, activationSteps);
    }

    /** The configured loss of the student's {@code logits} on batch {@code x} with {@code labels}. */
    private Losses.Loss loss(Map<String, Tensor> x, Tensor logits, Tensor labels) {
        if (teacher == null) {
            return Losses.softmaxCrossEntropy(logits, labels);
        }
        Tensor t = teacher.run(x).get(outputName);
        return config.loss().equals("mse") ? Losses.mse(logits, t)
                : Losses.distillation(logits, t, labels, config.kdAlpha(), config.kdTemperature());
    }

    /** The BN-folded float model with the current weights. */
    public Model currentFloatModel() {
        Model m = prepared.copy();
        for (String p : trainable) {
            if (m.graph().initializer(p) != null) {
                m.graph().setInitializer(p, tape.parameters().get(p).copy());
            }
        }
        if (bn != null) {
            bn.fold(m.graph(), tape.parameters()::get);
        }
        return m;
    }

    /** The QDQ model of the current state (qat mode), or the current float model (float mode). */
    public Model export() {
        Model f = currentFloatModel();
        if (plan == null) {
            return f;
        }
        Model q = QdqWriter.write(f, plan, src -> FakeQuant.toQdq(quantizers.get(src).params), (name, w, axis) -> {
            WeightQuantizer wq = weightQuantizers.get(name);
            if (wq == null) {
                throw new LowbitException("no weight quantizer for '" + name + "'");
            }
            QuantParams p = wq.params(w);
            return new QdqWriter.QuantizedWeight(FakeQuant.codes(w, p), FakeQuant.toQdq(p));
        });
        q.metadata().putAll(prepared.metadata());
        q.metadata().put("lowbit.qat.quantizer", config.quantizer());
        q.metadata().put("lowbit.backend", config.backend().id());
        return q;
    }

    private Path checkpoint(Model floatNow, Model exported) {
        floatNow.metadata().put(META_EPOCH, Integer.toString(epochsDone));
        floatNow.metadata().put(META_MODE, config.mode());
        StringBuilder sb = new StringBuilder();
        quantizers.forEach((k, q) -> sb.append(k).append('=')
                .append(Integer.toHexString(Float.floatToRawIntBits(q.scaleValue()))).append('\n'));
        floatNow.metadata().put(META_SCALES, sb.toString());
        StringBuilder ws = new StringBuilder();
        weightQuantizers.forEach((k, q) -> {
            if (q.learned()) {
                ws.append(k).append('=');
                float[] sc = q.scales();
                for (int i = 0; i < sc.length; i++) {
                    ws.append(i > 0 ? "," : "").append(Integer.toHexString(Float.floatToRawIntBits(sc[i])));
                }
                ws.append('\n');
            }
        });
        floatNow.metadata().put(META_WEIGHT_SCALES, ws.toString());
        // Optimizer moments ride along as initializers no node reads, so a resumed run continues exactly.
        optimizers.forEach((k, o) -> floatNow.graph().setInitializer(OPTIMIZER_PREFIX + k, o.state()));
        quantizers.forEach((src, q) -> {
            if (!Double.isNaN(q.emaLow)) {
                floatNow.graph().setInitializer(OBSERVER_PREFIX + src, Tensor.of(new float[] {(float) q.emaLow, (float) q.emaHigh}, 2));
            }
        });
        if (bn != null) { // the unfolded W, b, γ, β and running statistics, to resume BN training exactly
            for (BatchNormQat.Pair p : bn.pairs()) {
                for (String n : List.of(p.weight(), p.bias(), p.gamma(), p.beta(), p.mean(), p.var())) {
                    floatNow.graph().setInitializer(UNFOLDED_PREFIX + n, tape.parameters().get(n).copy());
                }
            }
        }
        Path last = config.checkpointDir().resolve("last.onnx");
        ModelIO.save(floatNow, last);
        if (plan != null) {
            ModelIO.save(exported, config.checkpointDir().resolve("last_qdq.onnx"));
        }
        return last;
    }

    static int[] permutation(int n, Random rnd) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) {
            p[i] = i;
        }
        for (int i = n - 1; i > 0; i--) {
            int j = rnd.nextInt(i + 1);
            int t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return p;
    }
}
