package dev.lowbit;

import java.nio.file.Path;
import java.util.List;

/**
 * What {@link Lowbit#train} did.
 *
 * @param epochs one summary per epoch trained in this run (a resumed run skips the epochs done before)
 * @param output the final model: the QDQ export in QAT mode, the float model in float mode
 */
public record TrainingResult(List<EpochSummary> epochs, Path output) {
    /** Copies the list. */
    public TrainingResult {
        epochs = List.copyOf(epochs);
    }
}
