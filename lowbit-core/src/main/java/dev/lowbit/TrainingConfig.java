package dev.lowbit;

import dev.lowbit.data.PreprocessSettings;
import dev.lowbit.qat.TrainConfig;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * Everything that decides a training run ({@link Lowbit#train}): quantization-aware training that
 * starts from the best-calibrated PTQ model and fine-tunes it with fake quantization that computes
 * exactly what the exported QDQ model computes, or plain float training. Built with
 * {@link #builder()}, or read from a YAML file ({@link #load}) whose keys
 * {@code examples/qat_resnet_w4a4.yaml} documents; the builder's settings are those keys. The same
 * config and seed give the same weights, byte for byte.
 */
public final class TrainingConfig {
    /** Whether the model trains with fake quantization. */
    public enum TrainingMode {
        /** Fake-quantized weights and activations; exports a QDQ model. The default. */
        QAT,
        /** No quantization: fine-tunes (or trains from scratch) the float model. */
        FLOAT
    }

    /** How activations are quantized while training. */
    public enum ActivationQuantizer {
        /** Ranges fixed from calibration. The default. */
        FIXED,
        /** Learned step sizes (LSQ, Esser et al.). */
        LSQ,
        /** A learned clip level with PACT's gradient and an L2 penalty ({@link Builder#pactDecay}). */
        PACT,
        /** Moving-average min/max observers, until {@link Builder#observerOffEpoch}. */
        EMA
    }

    /** How weights are quantized while training. */
    public enum WeightQuantizer {
        /** Per-channel min/max of the current weights, each step. */
        MINMAX,
        /** Learned per-channel step sizes (LSQ). */
        LSQ
    }

    /** The optimizer. */
    public enum Optimizer {
        /** SGD with momentum. The default. */
        SGD,
        /** AdamW (decoupled weight decay); step sizes move relatively. */
        ADAMW
    }

    /** The learning-rate schedule after warm-up. */
    public enum Schedule {
        /** Cosine decay to 0 over the run. The default. */
        COSINE,
        /** The same rate throughout. */
        CONSTANT
    }

    /** What the model is trained to minimise. */
    public enum Loss {
        /** Cross-entropy with the labels. The default. */
        CROSS_ENTROPY("ce"),
        /** Distillation from the float model: (1 − α)·CE + α·T²·KL ({@link Builder#distillation}). */
        DISTILLATION("kd"),
        /** Squared error to the float model's logits. */
        MSE("mse");

        final String key;

        Loss(String key) {
            this.key = key;
        }
    }

    /** Where the weights start. */
    public enum Init {
        /** The model's own weights. The default. */
        PRETRAINED,
        /** He-normal weights and fresh BatchNormalization: training from scratch. */
        RANDOM
    }

    private final Map<String, Object> settings;
    private final TrainConfig internal;
    private final boolean resume;

    private TrainingConfig(Map<String, Object> settings, TrainConfig internal, boolean resume) {
        this.settings = Collections.unmodifiableMap(new LinkedHashMap<>(settings));
        this.internal = internal;
        this.resume = resume;
    }

    /**
     * A builder with the defaults (those of the YAML file's keys when they are left out).
     *
     * @return the builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Reads a YAML config; relative paths in it are resolved against its folder.
     *
     * @param yaml the config file
     * @return the config
     * @throws LowbitException for an unknown key, a bad value or a file that is not YAML
     */
    public static TrainingConfig load(Path yaml) {
        TrainConfig c = TrainConfig.load(yaml);
        return new TrainingConfig(Map.of("config", yaml.toString()), c, false);
    }

    /**
     * The settings made, keyed as in the YAML file (a loaded file shows as {@code config: FILE}).
     *
     * @return an unmodifiable map, in the order they were set
     */
    public Map<String, Object> settings() {
        return settings;
    }

    /**
     * The float model trained.
     *
     * @return its file
     */
    public Path model() {
        return internal.model();
    }

    /**
     * Where {@code last.onnx} (training state) and {@code last_qdq.onnx} are written every epoch.
     *
     * @return the folder
     */
    public Path checkpointDir() {
        return internal.checkpointDir();
    }

    /**
     * Where the final model is written.
     *
     * @return the file
     */
    public Path output() {
        return internal.output();
    }

    /** The validated internal config. */
    TrainConfig internal() {
        return internal;
    }

    /** Whether to continue from the checkpoint folder's {@code last.onnx}. */
    boolean resume() {
        return resume;
    }

    /**
     * Builds a {@link TrainingConfig}. Each setter checks its value; {@link #build()} checks the
     * whole (with the same rules as a YAML file) and throws a one-line {@link LowbitException}.
     */
    public static final class Builder {
        private final Map<String, Object> m = new LinkedHashMap<>();
        private CalibrationMethod calibrationMethod;
        private double percentile = 99.99;
        private boolean resume;

        private Builder() {
        }

        /**
         * The float ONNX model to train (one output: the logits). Required.
         *
         * @param file the model
         * @return this builder
         */
        public Builder model(Path file) {
            return put("model", Objects.requireNonNull(file, "model").toString());
        }

        /**
         * Labelled training and test data (IDX images, image folders, {@code .npz}); see
         * {@link DataSource} for the formats. Required.
         *
         * @param train training samples (the first {@link #calibrationSamples} also calibrate)
         * @param test  samples the float and quantized models are scored on after each epoch
         * @return this builder
         */
        public Builder data(Path train, Path test) {
            put("train_data", Objects.requireNonNull(train, "train").toString());
            return put("test_data", Objects.requireNonNull(test, "test").toString());
        }

        /**
         * Preprocessing for both data sets, laid over the model's metadata.
         *
         * @param p the preprocessing
         * @return this builder
         */
        public Builder preprocessing(Preprocessing p) {
            PreprocessSettings s = p.settings();
            putIfSet("pixel-scale", s.pixelScale());
            putIfSet("mean", s.mean() == null ? null : floats(s.mean()));
            putIfSet("std", s.std() == null ? null : floats(s.std()));
            putIfSet("size", s.size());
            putIfSet("resize", s.resize());
            putIfSet("channel-order", s.order() == null ? null : s.order().name());
            return putIfSet("layout", s.layout() == null ? null : s.layout().name());
        }

        /**
         * Training samples used (default 0: all) and test samples scored after each epoch (default 0: all).
         *
         * @param train training samples, 0 for all
         * @param test  test samples, 0 for all
         * @return this builder
         */
        public Builder samples(int train, int test) {
            put("train_limit", atLeast("training samples", train, 0));
            return put("test_limit", atLeast("test samples", test, 0));
        }

        /**
         * QAT (default) or float training.
         *
         * @param mode the mode
         * @return this builder
         */
        public Builder mode(TrainingMode mode) {
            return put("mode", key(mode));
        }

        /**
         * Where weights start (default the model's).
         *
         * @param init the start
         * @return this builder
         */
        public Builder init(Init init) {
            return put("init", key(init));
        }

        /**
         * The runtime the export is for (default ONNX Runtime); it validates the schemes.
         *
         * @param backend the backend
         * @return this builder
         */
        public Builder backend(Backend backend) {
            return put("backend", key(backend));
        }

        /**
         * Weight and activation bits (default 8 and 8; below 8 needs {@link Backend#GENERIC}).
         *
         * @param weights     weight bits, 2 to 16
         * @param activations activation bits, 2 to 16
         * @return this builder
         */
        public Builder bits(int weights, int activations) {
            put("weight_bits", bitsIn("weight bits", weights));
            return put("activation_bits", bitsIn("activation bits", activations));
        }

        /**
         * Bits of the first and last quantized layers, e.g. 8 in a 4-bit model (default 0: as the rest).
         *
         * @param bits 0, or 2 to 16
         * @return this builder
         */
        public Builder firstLastBits(int bits) {
            return put("first_last_bits", bits == 0 ? 0 : bitsIn("first/last layer bits", bits));
        }

        /**
         * One weight scale per output channel (default) or per tensor.
         *
         * @param v true for per channel
         * @return this builder
         */
        public Builder perChannel(boolean v) {
            return put("per_channel", v);
        }

        /**
         * How activations are quantized while training (default {@link ActivationQuantizer#FIXED}).
         *
         * @param q the quantizer
         * @return this builder
         */
        public Builder activationQuantizer(ActivationQuantizer q) {
            return put("quantizer", key(q));
        }

        /**
         * How weights are quantized while training (default LSQ with LSQ activations, else min/max).
         *
         * @param q the quantizer
         * @return this builder
         */
        public Builder weightQuantizer(WeightQuantizer q) {
            return put("weight_quantizer", key(q));
        }

        /**
         * The calibration the starting PTQ uses (default {@link CalibrationMethod#BEST}).
         *
         * @param method the method
         * @return this builder
         */
        public Builder calibrationMethod(CalibrationMethod method) {
            calibrationMethod = Objects.requireNonNull(method, "calibration method");
            return this;
        }

        /**
         * The percentile of {@link CalibrationMethod#PERCENTILE} (default 99.99).
         *
         * @param p above 50, at most 100
         * @return this builder
         */
        public Builder percentile(double p) {
            if (!(p > 50 && p <= 100)) {
                throw new LowbitException("percentile must be in (50, 100], got " + p);
            }
            percentile = p;
            return this;
        }

        /**
         * Training samples the starting PTQ calibrates on (default 512).
         *
         * @param n samples, 1 or more
         * @return this builder
         */
        public Builder calibrationSamples(int n) {
            return put("calib_size", atLeast("calibration samples", n, 1));
        }

        /**
         * Weight ranges the starting PTQ uses (default min/max); with LSQ weights, the initial steps.
         *
         * @param m the method
         * @return this builder
         */
        public Builder weightMethod(WeightMethod m) {
            return put("weight_method", key(m));
        }

        /**
         * The optimizer and its learning rate (default SGD, 1e-3).
         *
         * @param o            the optimizer
         * @param learningRate a finite rate above 0
         * @return this builder
         */
        public Builder optimizer(Optimizer o, double learningRate) {
            if (!(learningRate > 0) || !Double.isFinite(learningRate)) {
                throw new LowbitException("learning rate must be a finite number above 0, got " + learningRate);
            }
            put("optimizer", key(o));
            return put("lr", learningRate);
        }

        /**
         * Momentum (SGD) or β1 (AdamW) (default 0.9).
         *
         * @param v in [0, 1)
         * @return this builder
         */
        public Builder momentum(double v) {
            if (!(v >= 0 && v < 1)) {
                throw new LowbitException("momentum must be in [0, 1), got " + v);
            }
            return put("momentum", v);
        }

        /**
         * Weight decay of weight matrices and kernels (default 1e-4; biases and steps are not decayed).
         *
         * @param v 0 or more
         * @return this builder
         */
        public Builder weightDecay(double v) {
            return put("weight_decay", nonNegative("weight decay", v));
        }

        /**
         * The schedule (default cosine) after a linear warm-up.
         *
         * @param s            the schedule
         * @param warmupEpochs epochs of warm-up (fractions allowed), 0 or more
         * @return this builder
         */
        public Builder schedule(Schedule s, double warmupEpochs) {
            put("schedule", key(s));
            return put("warmup_epochs", nonNegative("warm-up epochs", warmupEpochs));
        }

        /**
         * Epochs (default 1); a checkpoint and the test scores after each.
         *
         * @param n epochs, 1 or more
         * @return this builder
         */
        public Builder epochs(int n) {
            return put("epochs", atLeast("epochs", n, 1));
        }

        /**
         * Optimizer steps per epoch at most (default 0: the whole training set).
         *
         * @param n steps, 0 for all
         * @return this builder
         */
        public Builder maxSteps(int n) {
            return put("max_steps", atLeast("max steps", n, 0));
        }

        /**
         * Samples per optimizer step (default 64).
         *
         * @param n samples, 1 or more
         * @return this builder
         */
        public Builder batchSize(int n) {
            return put("batch_size", atLeast("batch size", n, 1));
        }

        /**
         * The seed of shuffling, augmentation and random initialisation (default 0).
         *
         * @param seed the seed
         * @return this builder
         */
        public Builder seed(long seed) {
            return put("seed", seed);
        }

        /**
         * Augmentation of image inputs (default: padding 2, flips on).
         *
         * @param cropPadding random crop after zero padding by this many pixels, 0 for none
         * @param flip        random horizontal flips
         * @return this builder
         */
        public Builder augmentation(int cropPadding, boolean flip) {
            Map<String, Object> a = new LinkedHashMap<>();
            a.put("crop_padding", atLeast("crop padding", cropPadding, 0));
            a.put("flip", flip);
            return put("augment", a);
        }

        /**
         * Where checkpoints go (default {@code checkpoints} in the working directory).
         *
         * @param dir the folder
         * @return this builder
         */
        public Builder checkpointDir(Path dir) {
            return put("checkpoint_dir", Objects.requireNonNull(dir, "checkpoint dir").toString());
        }

        /**
         * Where the final model goes (default {@code final_qdq.onnx} in the checkpoint folder).
         *
         * @param file the file
         * @return this builder
         */
        public Builder output(Path file) {
            return put("output", Objects.requireNonNull(file, "output").toString());
        }

        /**
         * The epoch (0-based) from which BatchNormalization stops training with batch statistics
         * and is folded (default 0: folded before training).
         *
         * @param epoch 0 or more
         * @return this builder
         */
        public Builder freezeBatchNormEpoch(int epoch) {
            return put("freeze_bn_epoch", atLeast("freeze BN epoch", epoch, 0));
        }

        /**
         * The epoch (0-based) from which {@link ActivationQuantizer#EMA} observers stop updating (default never).
         *
         * @param epoch 0 or more
         * @return this builder
         */
        public Builder observerOffEpoch(int epoch) {
            return put("observer_off_epoch", atLeast("observer-off epoch", epoch, 0));
        }

        /**
         * The loss (default cross-entropy).
         *
         * @param loss the loss
         * @return this builder
         */
        public Builder loss(Loss loss) {
            return put("loss", Objects.requireNonNull(loss, "loss").key);
        }

        /**
         * Distillation's weight and temperature (default 1 and 1).
         *
         * @param alpha       weight of the distillation term against cross-entropy, in [0, 1]
         * @param temperature softmax temperature, above 0
         * @return this builder
         */
        public Builder distillation(double alpha, double temperature) {
            if (!(alpha >= 0 && alpha <= 1) || !(temperature > 0) || !Double.isFinite(temperature)) {
                throw new LowbitException("distillation needs alpha in [0, 1] and a finite temperature above 0, got "
                        + alpha + " and " + temperature);
            }
            put("kd_alpha", alpha);
            return put("kd_temperature", temperature);
        }

        /**
         * PACT's L2 penalty on clip levels (default 1e-4).
         *
         * @param v 0 or more
         * @return this builder
         */
        public Builder pactDecay(double v) {
            return put("pact_decay", nonNegative("PACT decay", v));
        }

        /**
         * Learning rate of learned step sizes (LSQ, PACT) relative to the model's (default 1).
         *
         * @param v a finite factor above 0
         * @return this builder
         */
        public Builder stepLrFactor(double v) {
            if (!(v > 0) || !Double.isFinite(v)) {
                throw new LowbitException("step learning-rate factor must be a finite number above 0, got " + v);
            }
            return put("step_lr_factor", v);
        }

        /**
         * Continue from the checkpoint folder's {@code last.onnx} when it exists (default: start over).
         *
         * @param v true to resume
         * @return this builder
         */
        public Builder resume(boolean v) {
            resume = v;
            return this;
        }

        /**
         * Checks the settings together and builds the config; relative paths are resolved against
         * the working directory.
         *
         * @return the config
         * @throws LowbitException for a missing model or data, or settings that contradict each other
         */
        public TrainingConfig build() {
            if (!m.containsKey("model") || !m.containsKey("train_data")) {
                throw new LowbitException("training needs a model and data (TrainingConfig.Builder.model and .data)");
            }
            Map<String, Object> all = new LinkedHashMap<>(m);
            if (calibrationMethod != null) {
                all.put("calib_method", calibrationMethod == CalibrationMethod.PERCENTILE
                        ? "percentile:" + Conversions.trim(percentile) : key(calibrationMethod));
            }
            TrainConfig c = TrainConfig.fromSettings(all, Path.of("").toAbsolutePath(), "training config");
            return new TrainingConfig(all, c, resume);
        }

        private Builder put(String key, Object value) {
            m.put(key, value);
            return this;
        }

        private Builder putIfSet(String key, Object value) {
            return value == null ? this : put(key, value);
        }

        private static List<Double> floats(float[] v) {
            Double[] d = new Double[v.length];
            for (int i = 0; i < v.length; i++) {
                d[i] = (double) v[i];
            }
            return List.of(d);
        }

        private static String key(Enum<?> e) {
            return Objects.requireNonNull(e).name().toLowerCase(Locale.ROOT);
        }

        private static int atLeast(String what, int v, int min) {
            if (v < min) {
                throw new LowbitException(what + " must be at least " + min + ", got " + v);
            }
            return v;
        }

        private static int bitsIn(String what, int v) {
            if (v < 2 || v > 16) {
                throw new LowbitException(what + " must be in 2..16, got " + v);
            }
            return v;
        }

        private static double nonNegative(String what, double v) {
            if (!(v >= 0) || !Double.isFinite(v)) {
                throw new LowbitException(what + " must be a finite number, 0 or more, got " + v);
            }
            return v;
        }
    }

    /** The settings, keyed as in the YAML file. */
    @Override
    public String toString() {
        return "TrainingConfig" + settings;
    }
}
