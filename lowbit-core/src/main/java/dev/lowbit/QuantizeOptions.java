package dev.lowbit;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Everything that decides a quantization run, built with {@link #builder()}. The defaults are
 * those of {@code lowbit quantize}: static W8A8, per-channel weights, min/max calibration on 512
 * samples, the ONNX Runtime profile, QDQ output. The same options, model and data give the same
 * bytes.
 *
 * <p>Algorithm steps run in the order the AIMET white paper gives, whatever order they are set
 * in: SmoothQuant and cross-layer equalization on the float graph, AdaRound instead of
 * round-to-nearest weights, bias correction for what rounding left, EasyQuant once activations are
 * calibrated. BatchNormalization statistics, which equalization and analytic bias correction use,
 * are read from the model before its BatchNormalizations are folded.
 */
public final class QuantizeOptions {
    /** A frozen copy of the builder's settings; the façade's run reads them. */
    final Builder b;

    private QuantizeOptions(Builder b) {
        this.b = b.copy();
    }

    /**
     * A builder with the defaults.
     *
     * @return the builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * A builder starting from these options.
     *
     * @return the builder
     */
    public Builder toBuilder() {
        return b.copy();
    }

    /**
     * Builds {@link QuantizeOptions}. Each setter checks its value and throws a one-line
     * {@link LowbitException} for a bad one; {@link #build()} checks how they combine.
     */
    public static final class Builder {
        Path output;
        DataSource calibrationData;
        int calibrationSamples = 512;
        int batchSize = 32;
        boolean allowNonFinite;
        Mode mode = Mode.STATIC;
        Format format = Format.QDQ;
        Backend backend = Backend.ONNXRUNTIME;
        int weightBits = 8;
        int activationBits = 8;
        boolean perChannel = true;
        Scheme weightScheme;
        Scheme activationScheme;
        int firstLastBits;
        CalibrationMethod calibrationMethod = CalibrationMethod.MINMAX;
        double percentile = 99.99;
        WeightMethod weightMethod = WeightMethod.MINMAX;
        Recipe recipe = Recipe.AUTO;
        Set<String> exclude = Set.of();
        List<String> keepOutputs = List.of();
        boolean crossLayerEqualization;
        BiasCorrectionMode biasCorrection = BiasCorrectionMode.OFF;
        int adaRoundIterations;
        EasyQuantOptions easyQuant;
        SmoothQuantMode smoothQuant = SmoothQuantMode.ABSORBED;
        double smoothQuantAlpha = 0.5;
        Double maxTop1Drop;
        Double mixedPrecisionBudget;
        int[] mixedPrecisionBits = {4};
        DataSource evaluationData;
        int evaluationSamples = 1000;
        Path report;
        ProgressListener progress = ProgressListener.none();

        private Builder() {
        }

        private Builder copy() {
            Builder c = new Builder();
            c.output = output;
            c.calibrationData = calibrationData;
            c.calibrationSamples = calibrationSamples;
            c.batchSize = batchSize;
            c.allowNonFinite = allowNonFinite;
            c.mode = mode;
            c.format = format;
            c.backend = backend;
            c.weightBits = weightBits;
            c.activationBits = activationBits;
            c.perChannel = perChannel;
            c.weightScheme = weightScheme;
            c.activationScheme = activationScheme;
            c.firstLastBits = firstLastBits;
            c.calibrationMethod = calibrationMethod;
            c.percentile = percentile;
            c.weightMethod = weightMethod;
            c.recipe = recipe;
            c.exclude = exclude;
            c.keepOutputs = keepOutputs;
            c.crossLayerEqualization = crossLayerEqualization;
            c.biasCorrection = biasCorrection;
            c.adaRoundIterations = adaRoundIterations;
            c.easyQuant = easyQuant;
            c.smoothQuant = smoothQuant;
            c.smoothQuantAlpha = smoothQuantAlpha;
            c.maxTop1Drop = maxTop1Drop;
            c.mixedPrecisionBudget = mixedPrecisionBudget;
            c.mixedPrecisionBits = mixedPrecisionBits;
            c.evaluationData = evaluationData;
            c.evaluationSamples = evaluationSamples;
            c.report = report;
            c.progress = progress;
            return c;
        }

        /**
         * Where the quantized model is written (atomically: a failed run leaves no file). Required.
         *
         * @param file the output file
         * @return this builder
         */
        public Builder output(Path file) {
            output = Objects.requireNonNull(file, "output");
            return this;
        }

        /**
         * The data activation ranges are calibrated on; required in {@link Mode#STATIC}.
         *
         * @param data calibration samples (labels are not needed)
         * @return this builder
         */
        public Builder calibrationData(DataSource data) {
            calibrationData = data;
            return this;
        }

        /**
         * Calibration samples used: the first N of the data (default 512). The one place the
         * calibration size is set.
         *
         * @param n samples, 1 or more
         * @return this builder
         */
        public Builder calibrationSamples(int n) {
            calibrationSamples = atLeast("calibration samples", n, 1);
            return this;
        }

        /**
         * Samples per calibration batch (default 32); memory grows with it, results do not change.
         *
         * @param n samples, 1 or more
         * @return this builder
         */
        public Builder batchSize(int n) {
            batchSize = atLeast("batch size", n, 1);
            return this;
        }

        /**
         * Calibrate on data holding NaN or infinity (default: refuse it, naming the sample).
         *
         * @param allow true to accept such data
         * @return this builder
         */
        public Builder allowNonFinite(boolean allow) {
            allowNonFinite = allow;
            return this;
        }

        /**
         * Static (default) or dynamic quantization.
         *
         * @param m the mode
         * @return this builder
         */
        public Builder mode(Mode m) {
            mode = Objects.requireNonNull(m, "mode");
            return this;
        }

        /**
         * QDQ (default) or QOperator output.
         *
         * @param f the format
         * @return this builder
         */
        public Builder format(Format f) {
            format = Objects.requireNonNull(f, "format");
            return this;
        }

        /**
         * The runtime the model is for (default ONNX Runtime): decides the schemes.
         *
         * @param b the backend
         * @return this builder
         */
        public Builder backend(Backend b) {
            backend = Objects.requireNonNull(b, "backend");
            return this;
        }

        /**
         * Weight bits (default 8); below 8 needs {@link Backend#GENERIC}.
         *
         * @param bits 2 to 16
         * @return this builder
         */
        public Builder weightBits(int bits) {
            weightBits = bits("weight bits", bits);
            return this;
        }

        /**
         * Activation bits (default 8); below 8 needs {@link Backend#GENERIC}.
         *
         * @param bits 2 to 16
         * @return this builder
         */
        public Builder activationBits(int bits) {
            activationBits = bits("activation bits", bits);
            return this;
        }

        /**
         * One weight scale per output channel (default) or one per tensor.
         *
         * @param v true for per channel
         * @return this builder
         */
        public Builder perChannel(boolean v) {
            perChannel = v;
            return this;
        }

        /**
         * An explicit weight grid instead of the backend's (its bits win over {@link #weightBits}).
         *
         * @param s the scheme, or null for the backend's
         * @return this builder
         */
        public Builder weightScheme(Scheme s) {
            weightScheme = s;
            return this;
        }

        /**
         * An explicit activation grid instead of the backend's (its bits win over {@link #activationBits}).
         *
         * @param s the scheme, or null for the backend's
         * @return this builder
         */
        public Builder activationScheme(Scheme s) {
            activationScheme = s;
            return this;
        }

        /**
         * Bits of the first and the last quantized layer (weights and input), e.g. 8 in a 4-bit
         * model, as low-bit papers keep them.
         *
         * @param bits 0 (as the rest, the default) or 2 to 16
         * @return this builder
         */
        public Builder firstLastBits(int bits) {
            firstLastBits = bits == 0 ? 0 : bits("first/last layer bits", bits);
            return this;
        }

        /**
         * How activation ranges are chosen (default {@link CalibrationMethod#MINMAX}).
         *
         * @param m the method
         * @return this builder
         */
        public Builder calibrationMethod(CalibrationMethod m) {
            calibrationMethod = Objects.requireNonNull(m, "calibration method");
            return this;
        }

        /**
         * The calibration method as the command line and config files spell it: {@code minmax},
         * {@code ema}, {@code percentile} (99.99), {@code percentile:99.9}, {@code entropy},
         * {@code mse} or {@code best}; sets {@link #calibrationMethod} and {@link #percentile}.
         *
         * @param spec the method's name
         * @return this builder
         * @throws LowbitException for a name that is none of these
         */
        public Builder calibrationMethod(String spec) {
            var m = Conversions.method(spec);
            calibrationMethod = Conversions.method(m);
            if (calibrationMethod == CalibrationMethod.PERCENTILE) {
                percentile = m.percentile();
            }
            return this;
        }

        /**
         * The percentile {@link CalibrationMethod#PERCENTILE} clips at (default 99.99).
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
         * How weight ranges are chosen (default {@link WeightMethod#MINMAX}).
         *
         * @param m the method
         * @return this builder
         */
        public Builder weightMethod(WeightMethod m) {
            weightMethod = Objects.requireNonNull(m, "weight method");
            return this;
        }

        /**
         * Where quantizers go (default {@link Recipe#AUTO}).
         *
         * @param r the recipe
         * @return this builder
         */
        public Builder recipe(Recipe r) {
            recipe = Objects.requireNonNull(r, "recipe");
            return this;
        }

        /**
         * Nodes kept float, by name; each must name a node of the model.
         *
         * @param nodes node names
         * @return this builder
         */
        public Builder exclude(Collection<String> nodes) {
            exclude = Set.copyOf(new LinkedHashSet<>(nodes));
            return this;
        }

        /**
         * Keep only these graph outputs: the nodes that compute only the others (a pooler nobody
         * reads) are dropped before quantizing.
         *
         * @param outputs output names, empty for all
         * @return this builder
         */
        public Builder keepOutputs(Collection<String> outputs) {
            keepOutputs = List.copyOf(outputs);
            return this;
        }

        /**
         * Cross-layer equalization with bias absorption before quantizing (DFQ): evens out the
         * per-channel weight ranges of Conv/Gemm pairs joined by ReLU, which per-tensor weights
         * need. Replaces ReLU6 between equalized layers by ReLU, which changes the float model slightly.
         *
         * @param on true to run it
         * @return this builder
         */
        public Builder crossLayerEqualization(boolean on) {
            crossLayerEqualization = on;
            return this;
        }

        /**
         * Bias correction after weights are rounded (default off).
         *
         * @param m the mode
         * @return this builder
         */
        public Builder biasCorrection(BiasCorrectionMode m) {
            biasCorrection = Objects.requireNonNull(m, "bias correction");
            return this;
        }

        /**
         * AdaRound: learns each weight's rounding layer by layer instead of rounding to nearest; worth
         * it at 4 bits.
         *
         * @param iterations per layer (AIMET uses 10000; 2000 is usually enough), 0 = off (default)
         * @return this builder
         */
        public Builder adaRound(int iterations) {
            adaRoundIterations = atLeast("AdaRound iterations", iterations, 0);
            return this;
        }

        /**
         * EasyQuant scale search after calibration (default off).
         *
         * @param o the search's settings ({@link EasyQuantOptions#defaults()}), or null for off
         * @return this builder
         */
        public Builder easyQuant(EasyQuantOptions o) {
            easyQuant = o;
            return this;
        }

        /**
         * Where SmoothQuant runs (default {@link SmoothQuantMode#ABSORBED}) and its α.
         *
         * @param m     the mode
         * @param alpha migration strength in [0, 1] (0.5 is the paper's)
         * @return this builder
         */
        public Builder smoothQuant(SmoothQuantMode m, double alpha) {
            if (!(alpha >= 0 && alpha <= 1)) {
                throw new LowbitException("SmoothQuant alpha must be in [0, 1], got " + alpha);
            }
            smoothQuant = Objects.requireNonNull(m, "SmoothQuant mode");
            smoothQuantAlpha = alpha;
            return this;
        }

        /**
         * Partial quantization: keeps the most sensitive layers float until top-1 on
         * {@link #evaluationData} is within {@code points} of float.
         *
         * @param points accepted drop in percentage points, 0 to 100
         * @return this builder
         */
        public Builder maxTop1Drop(double points) {
            if (!(points >= 0 && points <= 100)) {
                throw new LowbitException("max top-1 drop must be in [0, 100] points, got " + points);
            }
            maxTop1Drop = points;
            return this;
        }

        /**
         * Mixed precision: lowers the weights of the layers where it adds the least noise per byte
         * saved, until the packed weights fit {@code budget}; scored on {@link #evaluationData}.
         *
         * @param budget bytes, or a fraction (at most 1) of the size at {@link #weightBits}
         * @param bits   the lower widths layers may take (e.g. 4)
         * @return this builder
         */
        public Builder mixedPrecision(double budget, int... bits) {
            if (!Double.isFinite(budget) || budget <= 0) {
                throw new LowbitException("mixed-precision budget must be a finite number above 0, got " + budget);
            }
            if (bits.length == 0) {
                throw new LowbitException("mixed precision needs at least one lower bit width");
            }
            for (int w : bits) {
                bits("mixed-precision bits", w);
            }
            mixedPrecisionBudget = budget;
            mixedPrecisionBits = bits.clone();
            return this;
        }

        /**
         * Labelled data the accuracy and size searches score on.
         *
         * @param data    evaluation data (with labels for top-1; SQNR is used without)
         * @param samples samples used, 0 = all
         * @return this builder
         */
        public Builder evaluationData(DataSource data, int samples) {
            evaluationData = data;
            evaluationSamples = atLeast("evaluation samples", samples, 0);
            return this;
        }

        /**
         * Also writes a self-contained HTML report: per-layer schemes, ranges, scales and SQNR, and
         * each activation's histogram with its clipping range.
         *
         * @param html the report file, or null for none
         * @return this builder
         */
        public Builder report(Path html) {
            report = html;
            return this;
        }

        /**
         * Who hears of progress (calibration batches, AdaRound iterations, search steps).
         *
         * @param listener the listener
         * @return this builder
         */
        public Builder progress(ProgressListener listener) {
            progress = Objects.requireNonNull(listener, "progress");
            return this;
        }

        /**
         * Checks how the settings combine and builds the options.
         *
         * @return the options
         * @throws LowbitException for a missing output, static mode without calibration data,
         *                         dynamic mode with a step it cannot run, or a search without data
         */
        public QuantizeOptions build() {
            if (output == null) {
                throw new LowbitException("quantize needs an output file (QuantizeOptions.Builder.output)");
            }
            if (mode == Mode.STATIC && calibrationData == null) {
                throw new LowbitException("static quantization needs calibration data (QuantizeOptions.Builder.calibrationData),"
                        + " or Mode.DYNAMIC");
            }
            if (mode == Mode.DYNAMIC) {
                checkDynamic();
            }
            if (maxTop1Drop != null && mixedPrecisionBudget != null) {
                throw new LowbitException("use maxTop1Drop or mixedPrecision, not both");
            }
            if ((maxTop1Drop != null || mixedPrecisionBudget != null) && evaluationData == null) {
                throw new LowbitException((maxTop1Drop != null ? "maxTop1Drop" : "mixedPrecision")
                        + " needs evaluation data (QuantizeOptions.Builder.evaluationData)");
            }
            return new QuantizeOptions(this);
        }

        private void checkDynamic() {
            if (calibrationData != null || report != null || maxTop1Drop != null || mixedPrecisionBudget != null
                    || adaRoundIterations > 0 || easyQuant != null || smoothQuant == SmoothQuantMode.EVERYWHERE
                    || crossLayerEqualization || biasCorrection != BiasCorrectionMode.OFF || format == Format.QOPERATOR) {
                throw new LowbitException("dynamic quantization takes no calibration data and none of report, maxTop1Drop,"
                        + " mixedPrecision, adaRound, easyQuant, crossLayerEqualization, biasCorrection,"
                        + " SmoothQuant everywhere or Format.QOPERATOR");
            }
        }

        private static int atLeast(String what, int value, int min) {
            if (value < min) {
                throw new LowbitException(what + " must be at least " + min + ", got " + value);
            }
            return value;
        }

        private static int bits(String what, int value) {
            if (value < 2 || value > 16) {
                throw new LowbitException(what + " must be in 2..16, got " + value);
            }
            return value;
        }
    }

    /** The settings that differ from the defaults, for logs. */
    @Override
    public String toString() {
        return "QuantizeOptions[" + b.mode + " " + b.format + " W" + b.weightBits + "A" + b.activationBits + " "
                + b.backend + " " + b.calibrationMethod + " on " + b.calibrationSamples + " samples of "
                + b.calibrationData + " -> " + b.output + (b.exclude.isEmpty() ? "" : ", exclude " + b.exclude)
                + (b.mixedPrecisionBudget == null ? "" : ", mixed " + Arrays.toString(b.mixedPrecisionBits)) + "]";
    }
}
