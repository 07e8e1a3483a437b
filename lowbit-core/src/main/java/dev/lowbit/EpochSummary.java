package dev.lowbit;

import java.nio.file.Path;

/**
 * What one training epoch did. Accuracies are fractions in [0, 1] on the (limited) sets.
 *
 * @param epoch         1-based epoch number
 * @param steps         optimizer steps taken
 * @param trainLoss     mean loss over the epoch's samples
 * @param trainTop1     top-1 on the training batches as they were trained (augmented, while weights moved)
 * @param floatTop1     top-1 of the float model with the current weights on the test set
 * @param quantizedTop1 top-1 of the exported QDQ model on the test set, in lowbit's engine (NaN in float mode)
 * @param seconds       wall time of the epoch
 * @param checkpoint    the checkpoint written ({@code last.onnx})
 */
public record EpochSummary(int epoch, int steps, double trainLoss, double trainTop1, double floatTop1,
                           double quantizedTop1, double seconds, Path checkpoint) {
}
