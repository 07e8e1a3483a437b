package dev.lowbit.qat;

import dev.lowbit.LowbitException;
import dev.lowbit.data.Preprocess;
import dev.lowbit.data.PreprocessSettings;
import dev.lowbit.quant.BackendProfile;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.MarkedYAMLException;

/**
 * Everything that decides a training run, read from YAML (see {@code examples/qat_resnet_w4a4.yaml}).
 * Relative paths are resolved against the config file's directory. The same config and seed give
 * the same weights.
 *
 * @param mode            {@code qat} (fake-quantized weights and activations) or {@code float}
 * @param quantizer       activation quantizers: {@code fixed} (calibrated ranges), {@code lsq} (learned step
 *                        sizes, Esser et al.), {@code pact} (learned clip level with PACT's gradient and an L2
 *                        penalty {@code pact_decay}, Choi et al.) or {@code ema} (moving-average min-max
 *                        observers from the calibrated ranges, until {@code observer_off_epoch})
 * @param calibMethod     PTQ calibration method the run starts from ({@code best}, {@code minmax}, ...)
 * @param maxSteps        optimizer steps per epoch (0 = the whole training set)
 * @param trainLimit      training samples used (0 = all)
 * @param testLimit       test samples evaluated after each epoch (0 = all)
 * @param cropPadding     random-crop padding in pixels (0 = no crop)
 * @param observerOffEpoch 0-based epoch from which {@code ema} observers stop updating (default: never)
 * @param freezeBnEpoch   0-based epoch from which BatchNormalization uses (and stops updating) its running
 *                        statistics; before it, Conv-BN pairs train with batch statistics (BN folded into the
 *                        quantized weights, see {@link BatchNormQat}). 0 folds BN once before training.
 * @param weightQuantizer {@code minmax} (per-channel ranges of the current weights) or {@code lsq}
 *                        (learned per-channel step sizes); defaults to {@code lsq} when {@code quantizer}
 *                        is {@code lsq}, else {@code minmax}
 * @param firstLastBits   bits of the first and last quantized layers (weights and input activations),
 *                        0 = the same as the others (as {@code PtqConfig.firstLastBits})
 * @param weightMethod    PTQ weight ranges training starts from ({@code minmax} or {@code mse}); with
 *                        {@code weight_quantizer: lsq} they are the initial learned steps
 * @param stepLrFactor    learning rate of the learned step sizes (LSQ, PACT) relative to {@code lr}
 * @param init            {@code pretrained} (the model's weights) or {@code random} (train from scratch:
 *                        He-normal weights, fresh BatchNormalization; see {@code WeightInit})
 * @param loss            {@code ce} (cross-entropy with the labels), {@code kd} (distillation from the
 *                        float model: (1 − kd_alpha)·CE + kd_alpha·T²·KL) or {@code mse} (logits matched
 *                        to the float model's)
 * @param preprocess      data preprocessing set in the config with the flags' names ({@code mean}, {@code std},
 *                        {@code pixel-scale}, {@code size}, {@code resize}, {@code channel-order}, {@code layout}),
 *                        laid over the model's metadata
 */
public record TrainConfig(Path model, Path trainData, Path testData, String mode, BackendProfile backend,
                          int weightBits, int activationBits, boolean perChannel, String quantizer,
                          String calibMethod, int calibSize, String optimizer, double lr, double momentum,
                          double weightDecay, String schedule, double warmupEpochs, int epochs, int maxSteps,
                          int batchSize, long seed, int trainLimit, int testLimit, int cropPadding, boolean flip,
                          Path checkpointDir, Path output, int freezeBnEpoch, int observerOffEpoch,
                          String weightQuantizer, String loss, double kdAlpha, double kdTemperature,
                          double pactDecay, String init, int firstLastBits, double stepLrFactor,
                          String weightMethod, PreprocessSettings preprocess) {

    private static final Set<String> KEYS = Set.of("model", "train_data", "test_data", "mode", "backend", "weight_bits",
            "activation_bits", "per_channel", "quantizer", "calib_method", "calib_size", "optimizer", "lr", "momentum",
            "weight_decay", "schedule", "warmup_epochs", "epochs", "max_steps", "batch_size", "seed", "train_limit",
            "test_limit", "augment", "checkpoint_dir", "output", "freeze_bn_epoch", "observer_off_epoch",
            "weight_quantizer", "loss", "kd_alpha", "kd_temperature", "pact_decay", "init", "first_last_bits", "step_lr_factor", "weight_method",
            "mean", "std", "pixel-scale", "pixel_scale", "size", "resize", "channel-order", "channel_order", "layout");

    public TrainConfig {
        finite("lr", lr);
        finite("momentum", momentum);
        finite("weight_decay", weightDecay);
        finite("warmup_epochs", warmupEpochs);
        finite("kd_alpha", kdAlpha);
        finite("kd_temperature", kdTemperature);
        finite("pact_decay", pactDecay);
        finite("step_lr_factor", stepLrFactor);
        if (momentum < 0 || momentum >= 1 || weightDecay < 0 || warmupEpochs < 0) {
            throw new LowbitException("config needs 0 <= momentum < 1, weight_decay >= 0 and warmup_epochs >= 0");
        }
        check(mode, "mode", "qat", "float");
        check(quantizer, "quantizer", "fixed", "lsq", "pact", "ema");
        check(optimizer, "optimizer", "sgd", "adamw");
        check(schedule, "schedule", "cosine", "constant");
        check(weightQuantizer, "weight_quantizer", "minmax", "lsq");
        check(loss, "loss", "ce", "kd", "mse");
        check(init, "init", "pretrained", "random");
        check(weightMethod, "weight_method", "minmax", "mse");
        if (stepLrFactor <= 0) {
            throw new LowbitException("config needs step_lr_factor > 0");
        }
        if (kdAlpha < 0 || kdAlpha > 1 || kdTemperature <= 0) {
            throw new LowbitException("config needs 0 <= kd_alpha <= 1 and kd_temperature > 0");
        }
        if (epochs < 1 || batchSize < 1 || lr <= 0 || maxSteps < 0) {
            throw new LowbitException("config needs epochs >= 1, batch_size >= 1, lr > 0 and max_steps >= 0");
        }
        if (freezeBnEpoch < 0 || observerOffEpoch < 0 || pactDecay < 0) {
            throw new LowbitException("config needs freeze_bn_epoch >= 0, observer_off_epoch >= 0 and pact_decay >= 0");
        }
    }

    /** NaN and infinity pass every comparison a range check makes, so they are refused first. */
    private static void finite(String key, double v) {
        if (!Double.isFinite(v)) {
            throw new LowbitException("config " + key + " must be a finite number, got " + v);
        }
    }

    private static void check(String v, String key, String... allowed) {
        if (!List.of(allowed).contains(v)) {
            throw new LowbitException("config " + key + ": '" + v + "' is not one of " + String.join(", ", allowed));
        }
    }

    /** Reads a YAML config; unknown keys are errors (a typo must not silently fall back to a default). */
    public static TrainConfig load(Path file) {
        return load(file, List.of());
    }

    /**
     * Reads a YAML config and applies {@code overrides}, each {@code key=value} with a YAML value
     * ({@code lr=3e-4}, {@code quantizer=fixed}, {@code augment.flip=false}); overrides win over the file.
     */
    public static TrainConfig load(Path file, List<String> overrides) {
        Object root = readYaml(file);
        if (!(root instanceof Map<?, ?> map)) {
            throw new LowbitException(file + ": expected a mapping of settings at the top level");
        }
        Map<String, Object> m = new HashMap<>();
        map.forEach((k, v) -> m.put(String.valueOf(k), v));
        for (String o : overrides) {
            int eq = o.indexOf('=');
            if (eq <= 0) {
                throw new LowbitException("--set " + o + ": expected KEY=VALUE");
            }
            String key = o.substring(0, eq).strip();
            Object value = new Yaml(new SafeConstructor(new LoaderOptions())).load(o.substring(eq + 1));
            if (key.startsWith("augment.")) {
                Map<String, Object> aug = new HashMap<>();
                if (m.get("augment") instanceof Map<?, ?> a) {
                    a.forEach((k, v) -> aug.put(String.valueOf(k), v));
                }
                aug.put(key.substring("augment.".length()), value);
                m.put("augment", aug);
            } else {
                m.put(key, value);
            }
        }
        return fromSettings(m, file.toAbsolutePath().getParent(), file.toString());
    }

    /**
     * A config from settings keyed as in the YAML file (values as YAML reads them: numbers,
     * booleans, strings, lists; {@code augment} a map); unset keys take their defaults. Relative
     * paths are resolved against {@code base}; {@code source} names the settings in messages.
     */
    public static TrainConfig fromSettings(Map<String, Object> m, Path base, String source) {
        for (String k : m.keySet()) {
            if (!KEYS.contains(k)) {
                throw new LowbitException(source + ": unknown setting '" + k + "' (settings: "
                        + String.join(", ", new TreeSet<>(KEYS)) + ")");
            }
        }
        Map<String, Object> aug = new HashMap<>();
        if (m.get("augment") instanceof Map<?, ?> a) {
            a.forEach((k, v) -> aug.put(String.valueOf(k), v));
        }
        Path ckpt = path(base, m, "checkpoint_dir", "checkpoints");
        return new TrainConfig(path(base, m, "model", null), path(base, m, "train_data", null),
                path(base, m, "test_data", null), str(m, "mode", "qat"),
                BackendProfile.fromName(str(m, "backend", "onnxruntime")), num(m, "weight_bits", 8).intValue(),
                num(m, "activation_bits", 8).intValue(), bool(m, "per_channel", true), str(m, "quantizer", "fixed"),
                str(m, "calib_method", "best"), num(m, "calib_size", 512).intValue(), str(m, "optimizer", "sgd"),
                num(m, "lr", 1e-3).doubleValue(), num(m, "momentum", 0.9).doubleValue(),
                num(m, "weight_decay", 1e-4).doubleValue(), str(m, "schedule", "cosine"),
                num(m, "warmup_epochs", 0).doubleValue(), num(m, "epochs", 1).intValue(),
                num(m, "max_steps", 0).intValue(), num(m, "batch_size", 64).intValue(), num(m, "seed", 0).longValue(),
                num(m, "train_limit", 0).intValue(), num(m, "test_limit", 0).intValue(),
                num(aug, "crop_padding", 2).intValue(), bool(aug, "flip", true), ckpt,
                m.containsKey("output") ? path(base, m, "output", null) : ckpt.resolve("final_qdq.onnx"),
                num(m, "freeze_bn_epoch", 0).intValue(), num(m, "observer_off_epoch", Integer.MAX_VALUE).intValue(),
                str(m, "weight_quantizer", str(m, "quantizer", "fixed").equals("lsq") ? "lsq" : "minmax"),
                str(m, "loss", "ce"), num(m, "kd_alpha", 1.0).doubleValue(), num(m, "kd_temperature", 1.0).doubleValue(),
                num(m, "pact_decay", 1e-4).doubleValue(), str(m, "init", "pretrained"),
                num(m, "first_last_bits", 0).intValue(), num(m, "step_lr_factor", 1.0).doubleValue(),
                str(m, "weight_method", "minmax"), preprocess(m));
    }

    /** The data keys, named as the flags are (underscores accepted too). */
    private static PreprocessSettings preprocess(Map<String, Object> m) {
        String scaleKey = m.containsKey("pixel-scale") ? "pixel-scale" : "pixel_scale";
        Object order = m.containsKey("channel-order") ? m.get("channel-order") : m.get("channel_order");
        return new PreprocessSettings(m.containsKey(scaleKey) ? num(m, scaleKey, 0).floatValue() : null,
                floats(m, "mean"), floats(m, "std"), m.containsKey("size") ? String.valueOf(m.get("size")) : null,
                m.containsKey("resize") ? num(m, "resize", 0).intValue() : null,
                order == null ? null : enumValue(Preprocess.ChannelOrder.class, "channel-order", order),
                m.containsKey("layout") ? enumValue(Preprocess.Layout.class, "layout", m.get("layout")) : null);
    }

    private static float[] floats(Map<String, Object> m, String key) {
        Object v = m.get(key);
        if (v == null) {
            return null;
        }
        List<?> items = v instanceof List<?> l ? l : List.of(v);
        float[] out = new float[items.size()];
        for (int i = 0; i < out.length; i++) {
            if (!(items.get(i) instanceof Number n)) {
                throw new LowbitException("config " + key + ": '" + items.get(i) + "' is not a number");
            }
            out[i] = n.floatValue();
        }
        return out;
    }

    private static <E extends Enum<E>> E enumValue(Class<E> type, String key, Object v) {
        try {
            return Enum.valueOf(type, String.valueOf(v).toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new LowbitException("config " + key + ": '" + v + "' is not one of "
                    + Arrays.toString(type.getEnumConstants()));
        }
    }

    /**
     * Parses a YAML file with the safe constructor; a repeated key is an error (not "last one wins"), and
     * a syntax error is one line naming the file, the problem and its line.
     */
    public static Object readYaml(Path file) {
        LoaderOptions options = new LoaderOptions();
        options.setAllowDuplicateKeys(false);
        try (Reader r = Files.newBufferedReader(file)) {
            return new Yaml(new SafeConstructor(options)).load(r);
        } catch (IOException e) {
            throw new LowbitException(file + ": cannot read (" + e.getMessage() + ")");
        } catch (MarkedYAMLException e) {
            String where = e.getProblemMark() == null ? "" : " at line " + (e.getProblemMark().getLine() + 1);
            throw new LowbitException(file + ": not valid YAML (" + e.getProblem() + where + ")");
        } catch (RuntimeException e) {
            throw new LowbitException(file + ": not valid YAML (" + e.getMessage().lines().findFirst().orElse("") + ")");
        }
    }

    private static Path path(Path base, Map<String, Object> m, String key, String def) {
        Object v = m.getOrDefault(key, def);
        if (v == null) {
            throw new LowbitException("config is missing '" + key + "'");
        }
        return base.resolve(String.valueOf(v)).normalize();
    }

    private static String str(Map<String, Object> m, String key, String def) {
        return String.valueOf(m.getOrDefault(key, def)).toLowerCase(Locale.ROOT);
    }

    private static Number num(Map<String, Object> m, String key, Number def) {
        Object v = m.getOrDefault(key, def);
        if (v instanceof Number n) {
            return n;
        }
        try {
            return Double.parseDouble(String.valueOf(v));
        } catch (NumberFormatException e) {
            throw new LowbitException("config " + key + ": '" + v + "' is not a number");
        }
    }

    private static boolean bool(Map<String, Object> m, String key, boolean def) {
        Object v = m.getOrDefault(key, def);
        if (v instanceof Boolean b) {
            return b;
        }
        throw new LowbitException("config " + key + ": '" + v + "' is not true or false");
    }
}
