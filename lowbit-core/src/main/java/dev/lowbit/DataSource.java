package dev.lowbit;

import dev.lowbit.data.DataSettings;
import dev.lowbit.data.Dataset;
import dev.lowbit.data.DatasetOptions;
import dev.lowbit.onnx.Model;
import java.nio.file.Path;
import java.util.Objects;

/**
 * Where sample data is and how to read it: calibration data for {@link OnnxModel#quantize}, test
 * data for {@link OnnxModel#evaluate}. Read lazily, in batches, when an operation runs; memory does
 * not grow with the data set. How many samples are used is the operation's setting
 * ({@link QuantizeOptions.Builder#calibrationSamples}, {@link EvalOptions.Builder#samples}), not
 * the data's.
 *
 * <p>What a path may be: IDX images (gzipped or not; labels found next to them, as MNIST names
 * them, or given with {@link #withLabels}), a folder with one sub-folder of PNG/JPEG images per
 * class, {@code .npy}/{@code .npz} arrays (first axis = samples; for models with several inputs an
 * {@code .npz} with one array per input name), a folder of {@code NAME.npy} or of ONNX
 * {@code test_data_set_*}, or a {@code .txt} of sentences with {@link #withTokenizer}.
 *
 * <p>Immutable: each {@code with} method returns a new object.
 */
public final class DataSource {
    private final Path path;
    private final DataSettings settings;
    private final Preprocessing preprocessing;

    private DataSource(Path path, DataSettings settings, Preprocessing preprocessing) {
        this.path = path;
        this.settings = settings;
        this.preprocessing = preprocessing;
    }

    /**
     * Data at {@code path}, preprocessed as the model that reads it says ({@link Preprocessing#fromModel()}).
     *
     * @param path a data file or folder
     * @return the data source
     */
    public static DataSource of(Path path) {
        return new DataSource(Objects.requireNonNull(path, "path"), DataSettings.NONE, Preprocessing.fromModel());
    }

    /**
     * The file or folder the data is read from.
     *
     * @return the path
     */
    public Path path() {
        return path;
    }

    /**
     * Labels from a separate file: an IDX label file or a {@code .npy} of integers.
     *
     * @param labels the label file
     * @return a copy reading labels from it
     */
    public DataSource withLabels(Path labels) {
        return new DataSource(path, new DataSettings(settings.preprocess(), labels, settings.tokenizer(),
                settings.maxLength()), preprocessing);
    }

    /**
     * Image preprocessing laid over what the model's metadata says.
     *
     * @param p the preprocessing
     * @return a copy with it
     */
    public DataSource withPreprocessing(Preprocessing p) {
        return new DataSource(path, settings.withPreprocess(p.settings()), p);
    }

    /**
     * Reads a {@code .txt} file (one sentence per line) through a HuggingFace tokenizer into token
     * ids, attention mask and token type ids, at most 128 tokens per line.
     *
     * @param tokenizerJson a {@code tokenizer.json}
     * @return a copy that tokenizes
     */
    public DataSource withTokenizer(Path tokenizerJson) {
        return withTokenizer(tokenizerJson, DatasetOptions.DEFAULT_MAX_LENGTH);
    }

    /**
     * {@link #withTokenizer(Path)} with another length limit; longer lines are truncated.
     *
     * @param tokenizerJson a {@code tokenizer.json}
     * @param maxLength     tokens per line at most, 2 or more
     * @return a copy that tokenizes
     * @throws LowbitException for a length below 2
     */
    public DataSource withTokenizer(Path tokenizerJson, int maxLength) {
        if (maxLength < 2) {
            throw new LowbitException("tokenizer max length must be at least 2, got " + maxLength);
        }
        return new DataSource(path, new DataSettings(settings.preprocess(), settings.labels(), tokenizerJson, maxLength),
                preprocessing);
    }

    /**
     * The preprocessing set on this source ({@link Preprocessing#fromModel()} unless set).
     *
     * @return the preprocessing
     */
    public Preprocessing preprocessing() {
        return preprocessing;
    }

    /** Opens the data for {@code model}, at most {@code limit} samples (0 = all). */
    Dataset open(Model model, int limit) {
        return settings.open(path, model, limit);
    }

    /** The settings behind this source, for the training config. */
    DataSettings settings() {
        return settings;
    }

    /** The path, and what was set beyond it. */
    @Override
    public String toString() {
        return "DataSource[" + path + (settings.labels() != null ? ", labels=" + settings.labels() : "")
                + (settings.tokenizer() != null ? ", tokenizer=" + settings.tokenizer() : "")
                + (preprocessing == Preprocessing.fromModel() ? "" : ", " + preprocessing) + "]";
    }
}
