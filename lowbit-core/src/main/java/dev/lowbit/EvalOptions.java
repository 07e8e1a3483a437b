package dev.lowbit;

import java.util.Objects;

/**
 * How {@link OnnxModel#evaluate} and {@link OnnxModel#compare} run: which engine, how many samples,
 * in what batches. Built with {@link #builder()}; {@link #defaults()} is lowbit's engine on every
 * sample in batches of 64.
 */
public final class EvalOptions {
    final String engine;
    /** Where {@link OnnxModel#compare} runs the float model; null: the same engine as the quantized one. */
    final String referenceEngine;
    final int threads;
    final int batchSize;
    final int samples;
    final double maskThreshold;
    final boolean layers;
    final ProgressListener progress;

    private EvalOptions(Builder b) {
        engine = b.engine;
        referenceEngine = b.referenceEngine;
        threads = b.threads;
        batchSize = b.batchSize;
        samples = b.samples;
        maskThreshold = b.maskThreshold;
        layers = b.layers;
        progress = b.progress;
    }

    /**
     * lowbit's engine, all samples, batches of 64.
     *
     * @return the options
     */
    public static EvalOptions defaults() {
        return builder().build();
    }

    /**
     * A builder with the defaults.
     *
     * @return the builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /** Builds {@link EvalOptions}; each setter checks its value. */
    public static final class Builder {
        private String engine = "java";
        private String referenceEngine;
        private int threads;
        private int batchSize = 64;
        private int samples;
        private double maskThreshold = 0.5;
        private boolean layers;
        private ProgressListener progress = ProgressListener.none();

        private Builder() {
        }

        /**
         * The engine the models run in, by name: {@code java} (lowbit's, the default) or
         * {@code onnxruntime} when {@code dev.lowbit:lowbit-onnxruntime} is on the class path
         * ({@link Lowbit#engines()} lists what is). An unknown name fails when the run starts.
         *
         * @param name the engine's name
         * @return this builder
         */
        public Builder engine(String name) {
            engine = Objects.requireNonNull(name, "engine");
            return this;
        }

        /**
         * For {@link OnnxModel#compare}: run the float (reference) model in this engine instead of
         * the quantized model's. Comparing a model with itself across two engines measures how far
         * lowbit's engine is from ONNX Runtime on it.
         *
         * @param name the reference model's engine, or null for the same engine as the quantized model
         * @return this builder
         */
        public Builder referenceEngine(String name) {
            referenceEngine = name;
            return this;
        }

        /**
         * Threads the engine uses (default 0: all cores). lowbit's engine sets its thread count
         * process-wide.
         *
         * @param n threads, 0 for the engine's default
         * @return this builder
         */
        public Builder threads(int n) {
            threads = atLeast("threads", n, 0);
            return this;
        }

        /**
         * Samples per batch (default 64).
         *
         * @param n samples, 1 or more
         * @return this builder
         */
        public Builder batchSize(int n) {
            batchSize = atLeast("batch size", n, 1);
            return this;
        }

        /**
         * Only the first {@code n} samples of the data (default 0: all).
         *
         * @param n samples, 0 for all
         * @return this builder
         */
        public Builder samples(int n) {
            samples = atLeast("samples", n, 0);
            return this;
        }

        /**
         * Probability-map outputs (a Sigmoid's maps) are compared as masks of the values above
         * this (default 0.5; DB text detectors use 0.3).
         *
         * @param t the threshold, a finite number
         * @return this builder
         */
        public Builder maskThreshold(double t) {
            if (!Double.isFinite(t)) {
                throw new LowbitException("mask threshold must be a finite number, got " + t);
            }
            maskThreshold = t;
            return this;
        }

        /**
         * For {@link OnnxModel#compare}: also compare every intermediate tensor both graphs
         * compute (lowbit's engine only).
         *
         * @param on true to compare layers
         * @return this builder
         */
        public Builder layers(boolean on) {
            layers = on;
            return this;
        }

        /**
         * Who hears of progress (phase {@code eval ENGINE} or {@code compare}, in samples).
         *
         * @param listener the listener
         * @return this builder
         */
        public Builder progress(ProgressListener listener) {
            progress = Objects.requireNonNull(listener, "progress");
            return this;
        }

        /**
         * Builds the options.
         *
         * @return the options
         */
        public EvalOptions build() {
            return new EvalOptions(this);
        }

        private static int atLeast(String what, int value, int min) {
            if (value < min) {
                throw new LowbitException(what + " must be at least " + min + ", got " + value);
            }
            return value;
        }
    }

    /** The engine, samples and batch size. */
    @Override
    public String toString() {
        return "EvalOptions[" + engine + ", " + (samples == 0 ? "all" : samples) + " samples, batch " + batchSize
                + (layers ? ", layers" : "") + "]";
    }
}
