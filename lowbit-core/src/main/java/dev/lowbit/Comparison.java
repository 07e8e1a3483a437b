package dev.lowbit;

import java.util.List;

/**
 * What {@link OnnxModel#compare} found: how far a quantized model is from its float original.
 *
 * @param samples samples compared
 * @param outputs one row per output (and mean-pooled rows for token outputs)
 * @param layers  with {@link EvalOptions.Builder#layers}: one row per intermediate tensor both graphs
 *                compute, in the float graph's execution order (else empty)
 */
public record Comparison(long samples, List<OutputQuality> outputs, List<OutputQuality> layers) {
    /** Copies the lists. */
    public Comparison {
        outputs = List.copyOf(outputs);
        layers = List.copyOf(layers);
    }
}
