package dev.lowbit.ptq;

import dev.lowbit.quant.QuantPlan;
import dev.lowbit.data.Batch;
import dev.lowbit.data.Dataset;
import dev.lowbit.data.Feeds;
import dev.lowbit.export.QdqWriter.QuantizedWeight;
import dev.lowbit.onnx.Model;
import dev.lowbit.quant.QuantParams;
import dev.lowbit.quant.QuantScheme;
import dev.lowbit.tensor.Tensor;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The state a post-training quantization run builds up, shared with the algorithms that refine
 * it ({@link PtqStep}s: cross-layer equalization, bias correction, AdaRound, EasyQuant ...).
 *
 * <p>Order of a run: {@link #prepared()} is the float model after clean-up and BN folding; graph
 * steps may rewrite it (CLE); then {@link #plan()} is made and weights are quantized
 * round-to-nearest into {@link #weights()}; weight steps may replace entries (AdaRound, EasyQuant)
 * or adjust float biases in {@link #prepared()} (bias correction); then activations are
 * calibrated into {@link #activations()}; activation steps may replace entries (EasyQuant); last,
 * the QDQ model is written from these maps.
 */
public final class PtqContext {
    private Model prepared;
    private QuantPlan plan;
    private final PtqConfig config;
    private final Dataset calibration;
    private final List<String> inputNames;
    private final Map<String, QuantizedWeight> weights = new LinkedHashMap<>();
    private final Map<String, QuantParams> weightParams = new LinkedHashMap<>();
    private final Map<String, QuantParams> activations = new LinkedHashMap<>();
    private final Map<String, QuantScheme> activationSchemes = new LinkedHashMap<>();
    private final Map<String, String> notes = new LinkedHashMap<>();
    private final ProgressListener progress;

    PtqContext(Model prepared, PtqConfig config, Dataset calibration, ProgressListener progress) {
        this.prepared = prepared;
        this.config = config;
        this.calibration = calibration;
        this.inputNames = prepared.graph().runtimeInputs().stream().map(dev.lowbit.onnx.ValueInfo::name).toList();
        this.progress = progress;
    }

    /** The float model being quantized (BN folded). Steps may edit it in place or replace it. */
    public Model prepared() {
        return prepared;
    }

    public void setPrepared(Model m) {
        this.prepared = m;
    }

    /** Where quantizers go (null before planning). */
    public QuantPlan plan() {
        return plan;
    }

    void setPlan(QuantPlan p) {
        this.plan = p;
    }

    public PtqConfig config() {
        return config;
    }

    /** The model inputs calibration feeds, in declaration order. */
    public List<String> inputNames() {
        return inputNames;
    }

    /**
     * The calibration feeds (every model input by name), streamed again from the data set in
     * batches, capped at the configured calibration size. Each call starts a new pass; nothing is cached.
     */
    /** Calibration samples a pass reads: the configured number, or fewer when the data set has fewer. */
    public int calibrationSamples() {
        return Math.max(1, Math.min(config.calibSize(), calibration.size()));
    }

    public Iterable<Map<String, Tensor>> calibrationBatches() {
        int limit = Math.min(config.calibSize(), Math.max(1, calibration.size()));
        return () -> new Iterator<>() {
            private final Iterator<Batch> it = calibration.batches(config.batchSize());
            private int seen;

            @Override
            public boolean hasNext() {
                return seen < limit && it.hasNext();
            }

            @Override
            public Map<String, Tensor> next() {
                Map<String, Tensor> feeds = Feeds.take(Feeds.bind(it.next().inputs(), inputNames, calibration.name()),
                        limit - seen);
                feeds.forEach((name, x) -> {
                    requireShape(name, x);
                    if (!config.allowNonFinite()) {
                        requireFinite(x, seen);
                    }
                });
                seen += Feeds.samples(feeds);
                return feeds;
            }
        };
    }

    /** Data whose samples do not have the model input's type and shape: say which file, not only which input. */
    private void requireShape(String inputName, Tensor x) {
        for (dev.lowbit.onnx.ValueInfo v : prepared.graph().runtimeInputs()) {
            if (!v.name().equals(inputName)) {
                continue;
            }
            int[] dims = v.dims();
            boolean ok = v.type() == null || v.type() == x.dtype();
            ok &= dims == null || dims.length == x.rank();
            for (int i = 1; ok && dims != null && i < dims.length; i++) {
                ok = dims[i] < 0 || dims[i] == x.dim(i);
            }
            if (!ok) {
                throw new dev.lowbit.LowbitException(calibration.name() + ": samples are " + x.dtype().onnxName()
                        + java.util.Arrays.toString(java.util.Arrays.copyOfRange(x.shapeRef(), 1, x.rank()))
                        + " but model input '" + v.name() + "' expects " + v.describe()
                        + " (check --size, --layout and the model's input)");
            }
        }
    }

    /**
     * Calibration data with NaN or infinity would give meaningless ranges (every scale 1.0): name the
     * sample instead, unless {@link PtqConfig#allowNonFinite()} says such values are expected.
     */
    private void requireFinite(Tensor x, int firstSample) {
        if (x.dtype() != dev.lowbit.tensor.DType.FLOAT) {
            return;
        }
        float[] f = x.floats();
        int per = Math.max(1, f.length / Math.max(1, x.dim(0)));
        for (int i = 0; i < f.length; i++) {
            if (!Float.isFinite(f[i])) {
                throw new dev.lowbit.LowbitException(calibration.name() + ": calibration sample " + (firstSample + i / per)
                        + " holds " + f[i] + " (give finite data, or --allow-nonfinite to calibrate on it anyway)");
            }
        }
    }

    /** Quantized weights by initializer name (integer values plus parameters). Steps may replace entries. */
    public Map<String, QuantizedWeight> weights() {
        return weights;
    }

    /** The scheme-level parameters of each quantized weight, by initializer name. */
    public Map<String, QuantParams> weightParams() {
        return weightParams;
    }

    /** Activation parameters by (calibrated) tensor name. Steps may replace entries. */
    public Map<String, QuantParams> activations() {
        return activations;
    }

    /** The scheme of each calibrated activation. */
    public Map<String, QuantScheme> activationSchemes() {
        return activationSchemes;
    }

    /** Free-form per-step notes for reports (e.g. "cle: 3 iterations, 12 pairs"). */
    public Map<String, String> notes() {
        return notes;
    }

    public ProgressListener progress() {
        return progress;
    }

    /** The weight's scheme as the config and backend want it, for initializer {@code name} along {@code axis}. */
    public QuantScheme weightScheme(int axis) {
        return PostTrainingQuantizer.weightScheme(config, axis);
    }

    /** Names of quantized weights in plan order. */
    public List<String> weightNames() {
        List<String> out = new ArrayList<>();
        plan.weights().forEach(w -> {
            if (!out.contains(w.initializer())) {
                out.add(w.initializer());
            }
        });
        return out;
    }
}
