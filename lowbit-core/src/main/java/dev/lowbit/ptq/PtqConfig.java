package dev.lowbit.ptq;

import dev.lowbit.quant.Recipe;
import dev.lowbit.quant.BackendProfile;
import dev.lowbit.quant.QuantScheme;
import java.util.Set;

/**
 * Everything that decides a post-training quantization run. Build with {@link #builder()};
 * unset schemes come from the backend profile at the requested bit widths.
 *
 * @param weightBits       bits of weights (2–16)
 * @param activationBits   bits of activations (2–16)
 * @param perChannel       one weight scale per output channel (else per tensor)
 * @param weightScheme     explicit weight scheme, or null for the backend's default
 * @param activationScheme explicit activation scheme, or null for the backend's default
 * @param method           activation calibration method
 * @param weightMethod     "minmax" or "mse"
 * @param backend          the target runtime's constraints
 * @param calibSize        calibration samples to use (the first N of the data)
 * @param batchSize        calibration batch size
 * @param exclude          node names to keep float
 * @param weightBitsPerNode weight bits for particular nodes (mixed precision), overriding {@code weightBits}
 * @param firstLastBits    bits of the first and the last quantized layer (their weights and input
 *                         activations), the usual exception of low-bit networks; 0 = same as the rest
 * @param allowNonFinite   calibrate on data holding NaN or infinity (default: refuse it, naming the sample)
 * @param recipe           where quantizers go ({@link Recipe}); null = chosen from the graph ({@link Recipe#detect})
 * @param smoothQuant      where SmoothQuant divides activations ({@link SmoothQuant.Mode}; default where a producer absorbs it)
 * @param smoothQuantAlpha SmoothQuant's migration strength α in [0, 1] (default 0.5)
 */
public record PtqConfig(int weightBits, int activationBits, boolean perChannel, QuantScheme weightScheme,
                        QuantScheme activationScheme, CalibrationMethod method, String weightMethod,
                        BackendProfile backend, int calibSize, int batchSize, Set<String> exclude,
                        java.util.Map<String, Integer> weightBitsPerNode, int firstLastBits, boolean allowNonFinite,
                        Recipe recipe, SmoothQuant.Mode smoothQuant, double smoothQuantAlpha) {

    /** The weight bits of node {@code node}: its mixed-precision entry, else {@link #weightBits}. */
    public int weightBits(String node) {
        return weightBitsPerNode.getOrDefault(node, weightBits);
    }

    public static Builder builder() {
        return new Builder();
    }

    public Builder toBuilder() {
        Builder b = new Builder();
        b.weightBits = weightBits;
        b.activationBits = activationBits;
        b.perChannel = perChannel;
        b.weightScheme = weightScheme;
        b.activationScheme = activationScheme;
        b.method = method;
        b.weightMethod = weightMethod;
        b.backend = backend;
        b.calibSize = calibSize;
        b.batchSize = batchSize;
        b.exclude = exclude;
        b.weightBitsPerNode = weightBitsPerNode;
        b.firstLastBits = firstLastBits;
        b.allowNonFinite = allowNonFinite;
        b.recipe = recipe;
        b.smoothQuant = smoothQuant;
        b.smoothQuantAlpha = smoothQuantAlpha;
        return b;
    }

    /** Fluent builder with the defaults of {@code lowbit quantize}. */
    public static final class Builder {
        private int weightBits = 8;
        private int activationBits = 8;
        private boolean perChannel = true;
        private QuantScheme weightScheme;
        private QuantScheme activationScheme;
        private CalibrationMethod method = CalibrationMethod.MINMAX;
        private String weightMethod = "minmax";
        private BackendProfile backend = BackendProfile.ONNXRUNTIME;
        private int calibSize = 512;
        private int batchSize = 32;
        private Set<String> exclude = Set.of();
        private boolean allowNonFinite;
        private java.util.Map<String, Integer> weightBitsPerNode = java.util.Map.of();
        private int firstLastBits;
        private Recipe recipe;
        private SmoothQuant.Mode smoothQuant = SmoothQuant.Mode.FOLDED;
        private double smoothQuantAlpha = 0.5;

        public Builder weightBits(int v) {
            weightBits = v;
            return this;
        }

        public Builder activationBits(int v) {
            activationBits = v;
            return this;
        }

        public Builder perChannel(boolean v) {
            perChannel = v;
            return this;
        }

        public Builder weightScheme(QuantScheme s) {
            weightScheme = s;
            return this;
        }

        public Builder activationScheme(QuantScheme s) {
            activationScheme = s;
            return this;
        }

        public Builder method(CalibrationMethod m) {
            method = m;
            return this;
        }

        public Builder weightMethod(String m) {
            if (!m.equals("minmax") && !m.equals("mse")) {
                throw new dev.lowbit.LowbitException("unknown weight method '" + m + "' (expected minmax or mse)");
            }
            weightMethod = m;
            return this;
        }

        public Builder backend(BackendProfile b) {
            backend = b;
            return this;
        }

        public Builder calibSize(int n) {
            if (n < 1) {
                throw new dev.lowbit.LowbitException("calibration size must be at least 1, got " + n);
            }
            calibSize = n;
            return this;
        }

        public Builder batchSize(int n) {
            if (n < 1) {
                throw new dev.lowbit.LowbitException("batch size must be at least 1, got " + n);
            }
            batchSize = n;
            return this;
        }

        public Builder exclude(Set<String> nodes) {
            exclude = Set.copyOf(nodes);
            return this;
        }

        /** Per-node weight bits (node name -> bits) for mixed precision; other nodes use {@link #weightBits}. */
        public Builder weightBitsPerNode(java.util.Map<String, Integer> bits) {
            bits.forEach((node, b) -> {
                if (b < 2 || b > 16) {
                    throw new dev.lowbit.LowbitException("weight bits of " + node + " must be in 2..16, got " + b);
                }
            });
            weightBitsPerNode = java.util.Map.copyOf(bits);
            return this;
        }

        /** Bits for the first and last quantized layers (weights and input activations); 0 = no exception. */
        public Builder firstLastBits(int bits) {
            if (bits != 0 && (bits < 2 || bits > 16)) {
                throw new dev.lowbit.LowbitException("first/last layer bits must be 0 or in 2..16, got " + bits);
            }
            firstLastBits = bits;
            return this;
        }

        /** Calibrate on data holding NaN or infinity instead of refusing it. */
        public Builder allowNonFinite(boolean allow) {
            allowNonFinite = allow;
            return this;
        }

        /** The recipe to plan with; null (the default) chooses it from the graph. */
        public Builder recipe(Recipe r) {
            recipe = r;
            return this;
        }

        /** Where SmoothQuant divides activations, and its α. */
        public Builder smoothQuant(SmoothQuant.Mode mode, double alpha) {
            smoothQuant = mode;
            smoothQuantAlpha = alpha;
            return this;
        }

        public PtqConfig build() {
            return new PtqConfig(weightBits, activationBits, perChannel, weightScheme, activationScheme, method,
                    weightMethod, backend, calibSize, batchSize, exclude, weightBitsPerNode, firstLastBits, allowNonFinite,
                    recipe, smoothQuant, smoothQuantAlpha);
        }
    }
}
