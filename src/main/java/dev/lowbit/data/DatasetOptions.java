package dev.lowbit.data;

import java.nio.file.Path;

/**
 * How to read a data set.
 *
 * @param limit       at most this many samples (0 or negative = all)
 * @param shuffleSeed shuffle the samples with this seed before applying the limit (null = file order)
 * @param preprocess  image preprocessing (null = {@link Preprocess#defaults()})
 * @param labels      a separate label file (IDX images), null = guess a sibling file or no labels
 */
public record DatasetOptions(int limit, Long shuffleSeed, Preprocess preprocess, Path labels) {
    public static DatasetOptions defaults() {
        return new DatasetOptions(0, null, null, null);
    }

    public DatasetOptions withLimit(int n) {
        return new DatasetOptions(n, shuffleSeed, preprocess, labels);
    }

    public DatasetOptions withShuffle(Long seed) {
        return new DatasetOptions(limit, seed, preprocess, labels);
    }

    public DatasetOptions withPreprocess(Preprocess p) {
        return new DatasetOptions(limit, shuffleSeed, p, labels);
    }

    public DatasetOptions withLabels(Path p) {
        return new DatasetOptions(limit, shuffleSeed, preprocess, p);
    }

    /** The preprocessing to apply (defaults when unset). */
    public Preprocess preprocessOrDefault() {
        return preprocess == null ? Preprocess.defaults() : preprocess;
    }
}
