package dev.lowbit.data;

import dev.lowbit.onnx.Model;
import java.nio.file.Path;

/**
 * Everything a user says about a data set apart from where it is: preprocessing set explicitly,
 * a label file, a tokenizer. {@link #forModel} resolves it against the model the data feeds: set
 * preprocessing first, then the model's {@code preprocessing} metadata, then
 * {@link Preprocess#defaults()}. The command line's data flags and the {@code dev.lowbit} façade's
 * {@code DataSource} both come here, so a model's mean and std are found the same way everywhere.
 *
 * @param preprocess preprocessing set by the user (fields left null come from the model)
 * @param labels     a separate label file (null = a sibling of IDX images, or none)
 * @param tokenizer  a HuggingFace tokenizer.json for text data (null = none)
 * @param maxLength  tokens per text sample at most (null = {@link DatasetOptions#DEFAULT_MAX_LENGTH})
 */
public record DataSettings(PreprocessSettings preprocess, Path labels, Path tokenizer, Integer maxLength) {
    /** Nothing set: preprocessing from the model's metadata, labels guessed, no tokenizer. */
    public static final DataSettings NONE = new DataSettings(PreprocessSettings.NONE, null, null, null);

    /** {@code preprocess} null means {@link PreprocessSettings#NONE}. */
    public DataSettings {
        preprocess = preprocess == null ? PreprocessSettings.NONE : preprocess;
    }

    /** These settings with {@code p} as the preprocessing set by the user. */
    public DataSettings withPreprocess(PreprocessSettings p) {
        return new DataSettings(p, labels, tokenizer, maxLength);
    }

    /**
     * Options for data feeding {@code model}: its inputs (named and integer arrays are read for
     * them), the preprocessing resolved as the class comment says, labels and tokenizer; at most
     * {@code limit} samples (0 or negative = all).
     */
    public DatasetOptions forModel(Model model, int limit) {
        DatasetOptions o = DatasetOptions.forModel(model).withPreprocess(preprocess.forModel(model)).withLabels(labels);
        if (tokenizer != null) {
            o = o.withTokenizer(tokenizer, maxLength != null ? maxLength : DatasetOptions.DEFAULT_MAX_LENGTH);
        }
        return limit > 0 ? o.withLimit(limit) : o;
    }

    /** Opens the data at {@code path} for {@code model} ({@link #forModel}, then {@link Datasets#open}). */
    public Dataset open(Path path, Model model, int limit) {
        return Datasets.open(path, forModel(model, limit));
    }
}
