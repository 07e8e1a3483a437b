package dev.lowbit.data;

import dev.lowbit.LowbitException;
import dev.lowbit.tensor.Tensor;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One batch of samples: the model inputs it feeds, each stacked along axis 0, and their labels, or
 * {@code labels == null} when the data set has none.
 *
 * <p>Data sets of one array (images, a single .npy) do not know the model's input name: their batch
 * holds one tensor under {@link #UNNAMED}, and {@link #feeds} gives it to a model's only input.
 * Data sets of named arrays (an .npz with one array per input, a folder of NAME.npy, tokenized
 * text) hold every input by its name.
 */
public record Batch(Map<String, Tensor> inputs, long[] labels) {
    /** The key of a data set's only array when it does not name the model input it feeds. */
    public static final String UNNAMED = "";

    public Batch {
        if (inputs.isEmpty()) {
            throw new IllegalArgumentException("a batch needs at least one input");
        }
        inputs = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(inputs));
    }

    /** A batch of one unnamed array. */
    public Batch(Tensor images, long[] labels) {
        this(Map.of(UNNAMED, images), labels);
    }

    /** Samples in the batch. */
    public int size() {
        return inputs.values().iterator().next().dim(0);
    }

    public boolean hasLabels() {
        return labels != null;
    }

    /** The batch's only array (image data sets); a batch of several named inputs has none. */
    public Tensor images() {
        if (inputs.size() != 1) {
            throw new LowbitException("the data feeds " + inputs.size() + " inputs " + inputs.keySet()
                    + "; this needs a model with one input");
        }
        return inputs.values().iterator().next();
    }

    /**
     * The feeds for a model whose inputs are {@code modelInputs}, in that order: an unnamed array goes
     * to a model's only input; named arrays must include every input (other arrays are ignored).
     */
    public Map<String, Tensor> feeds(List<String> modelInputs) {
        return Feeds.bind(inputs, modelInputs, null);
    }

    /** The first {@code n} samples (this batch when it has no more). */
    public Batch take(int n) {
        return n >= size() ? this : slice(0, n);
    }

    /** Samples {@code [from, to)}. */
    public Batch slice(int from, int to) {
        long[] l = labels == null ? null : java.util.Arrays.copyOfRange(labels, from, to);
        return new Batch(Feeds.slice(inputs, from, to), l);
    }
}
