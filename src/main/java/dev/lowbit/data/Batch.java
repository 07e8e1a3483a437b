package dev.lowbit.data;

import dev.lowbit.tensor.Tensor;

/**
 * One batch of samples: the stacked inputs ([N, ...sample shape]) and their labels, or
 * {@code labels == null} when the data set has none.
 */
public record Batch(Tensor images, long[] labels) {
    public int size() {
        return images.dim(0);
    }

    public boolean hasLabels() {
        return labels != null;
    }
}
