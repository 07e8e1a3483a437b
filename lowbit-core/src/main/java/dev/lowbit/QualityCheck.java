package dev.lowbit;

import java.util.List;
import java.util.Optional;

/**
 * The check lowbit makes right after quantizing: the quantized model's outputs against the float
 * model's, on samples calibration did not use (or, when the data has no more, the last calibration
 * samples), so that a model quantization broke never passes silently.
 *
 * @param samples     samples compared
 * @param heldOut     true when calibration did not see them
 * @param outputs     one row per output (and mean-pooled rows for token outputs)
 * @param worstLayers when an output is far from float: the intermediate tensors with the lowest
 *                    SQNR, worst first (the place to look, or to {@code exclude})
 * @param warning     a one-line warning when some output is far from float (mean per-sample cosine
 *                    below 0.97), else empty
 */
public record QualityCheck(int samples, boolean heldOut, List<OutputQuality> outputs, List<OutputQuality> worstLayers,
                           Optional<String> warning) {
    /** Copies the lists. */
    public QualityCheck {
        outputs = List.copyOf(outputs);
        worstLayers = List.copyOf(worstLayers);
    }
}
