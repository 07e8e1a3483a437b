package dev.lowbit.data;

import dev.lowbit.LowbitException;
import dev.lowbit.onnx.Model;
import dev.lowbit.onnx.ValueInfo;
import java.nio.file.Path;
import java.util.List;

/**
 * How to read a data set.
 *
 * @param limit       at most this many samples (0 or negative = all)
 * @param shuffleSeed shuffle the samples with this seed before applying the limit (null = file order)
 * @param preprocess  image preprocessing (null = {@link Preprocess#defaults()})
 * @param labels      a separate label file (IDX images), null = guess a sibling file or no labels
 * @param inputs      the inputs of the model the data feeds (null = unknown): arrays named after them
 *                    feed them by name, integer inputs keep integers (never pixel-scaled)
 * @param tokenizer   a HuggingFace tokenizer.json turning a text file's lines into token ids (null = none)
 * @param maxLength   tokens per text sample at most (longer lines are truncated)
 */
public record DatasetOptions(int limit, Long shuffleSeed, Preprocess preprocess, Path labels, List<ValueInfo> inputs,
                             Path tokenizer, int maxLength) {
    public static final int DEFAULT_MAX_LENGTH = 128;

    public DatasetOptions {
        inputs = inputs == null ? null : List.copyOf(inputs);
    }

    public static DatasetOptions defaults() {
        return new DatasetOptions(0, null, null, null, null, null, DEFAULT_MAX_LENGTH);
    }

    /**
     * Options for data feeding {@code model}: its inputs (so named and integer arrays are read for
     * them) and the preprocessing it declares ({@link Preprocess#forModel}).
     */
    public static DatasetOptions forModel(Model model) {
        return defaults().withPreprocess(Preprocess.forModel(model)).withInputs(model.graph().runtimeInputs());
    }

    public DatasetOptions withLimit(int n) {
        return new DatasetOptions(n, shuffleSeed, preprocess, labels, inputs, tokenizer, maxLength);
    }

    public DatasetOptions withShuffle(Long seed) {
        return new DatasetOptions(limit, seed, preprocess, labels, inputs, tokenizer, maxLength);
    }

    public DatasetOptions withPreprocess(Preprocess p) {
        return new DatasetOptions(limit, shuffleSeed, p, labels, inputs, tokenizer, maxLength);
    }

    public DatasetOptions withLabels(Path p) {
        return new DatasetOptions(limit, shuffleSeed, preprocess, p, inputs, tokenizer, maxLength);
    }

    /** The model inputs the data feeds (names and element types decide how arrays are read). */
    public DatasetOptions withInputs(List<ValueInfo> modelInputs) {
        return new DatasetOptions(limit, shuffleSeed, preprocess, labels, modelInputs, tokenizer, maxLength);
    }

    /** Tokenize text files with this HuggingFace tokenizer.json, at most {@code max} tokens per line. */
    public DatasetOptions withTokenizer(Path tokenizerJson, int max) {
        if (max < 2) {
            throw new LowbitException("--max-length must be at least 2, got " + max);
        }
        return new DatasetOptions(limit, shuffleSeed, preprocess, labels, inputs, tokenizerJson, max);
    }

    /** The preprocessing to apply (defaults when unset). */
    public Preprocess preprocessOrDefault() {
        return preprocess == null ? Preprocess.defaults() : preprocess;
    }
}
