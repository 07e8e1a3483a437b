package dev.lowbit.cli;

import dev.lowbit.DataSource;
import dev.lowbit.LowbitException;
import dev.lowbit.Preprocessing;
import dev.lowbit.data.DataSettings;
import dev.lowbit.data.DatasetOptions;
import dev.lowbit.data.Preprocess;
import dev.lowbit.data.PreprocessSettings;
import dev.lowbit.onnx.Model;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * Data-set flags shared by quantize, eval, compare and sensitivity: labels and preprocessing.
 * Unset preprocessing comes from the model's {@code preprocessing} metadata when it has one
 * (lowbit's example models do), else pixels are scaled to [0, 1] without normalisation; the
 * library resolves it ({@link DataSettings}) for the commands and for its API alike.
 */
public final class DataOptions {
    @Option(names = "--labels", paramLabel = "FILE", description = "Labels: an IDX label file or a .npy of integers (IDX images find their MNIST-named sibling by themselves).")
    Path labels;

    @Option(names = "--mean", paramLabel = "V[,V...]", split = ",", description = "Mean subtracted after pixel scaling: one value or one per channel.")
    float[] mean;

    @Option(names = "--std", paramLabel = "V[,V...]", split = ",", description = "Standard deviation divided by: one value or one per channel.")
    float[] std;

    @Option(names = "--pixel-scale", paramLabel = "S", description = "Factor applied to raw 0..255 pixels first (default 1/255).")
    Float pixelScale;

    @Option(names = "--size", paramLabel = "HxW", description = "Resize the shorter side, then centre-crop to HxW (e.g. 224x224).")
    String size;

    @Option(names = "--resize", paramLabel = "N", description = "Shorter side before the centre crop (default: the crop size, i.e. --size 224x224 resizes to 224 then crops; ImageNet uses 256).")
    Integer resize;

    @Option(names = "--channel-order", paramLabel = "RGB|BGR", description = "Channel order written for colour images (default RGB).")
    Preprocess.ChannelOrder order;

    @Option(names = "--layout", paramLabel = "NCHW|NHWC", description = "Tensor layout of the model input (default NCHW).")
    Preprocess.Layout layout;

    @Option(names = "--tokenizer", paramLabel = "FILE", description = "HuggingFace tokenizer.json: a .txt data file (one sentence per line) becomes token ids, attention mask and token type ids.")
    Path tokenizer;

    @Option(names = "--max-length", paramLabel = "N", description = "Tokens per sentence at most (longer lines are truncated; default 128).")
    Integer maxLength;

    /** The preprocessing flags given (unset ones null). */
    PreprocessSettings preprocess() {
        return new PreprocessSettings(pixelScale, mean, std, size, resize, order, layout);
    }

    /** Everything these flags say about a data set. */
    DataSettings settings() {
        return new DataSettings(preprocess(), labels, tokenizer, maxLength);
    }

    /** Dataset options for {@code model}: flags first, then the model's metadata, then defaults. */
    DatasetOptions toOptions(Model model, int limit) {
        return settings().forModel(model, limit);
    }

    /**
     * The data at {@code path} as the library's {@link DataSource}, with these flags. The values
     * are checked here first, so that a bad one is reported by its flag's name.
     */
    DataSource source(Path path) {
        PreprocessSettings flags = preprocess();
        flags.applyTo(Preprocess.defaults()); // --pixel-scale, --mean, --std and --size checked, named as flags
        if (maxLength != null && maxLength < 2) {
            throw new LowbitException("--max-length must be at least 2, got " + maxLength);
        }
        Preprocessing p = Preprocessing.fromModel();
        p = pixelScale == null ? p : p.withPixelScale(pixelScale);
        p = mean == null ? p : p.withMean(mean);
        p = std == null ? p : p.withStd(std);
        int[] hw = flags.cropSize();
        p = hw == null ? p : p.withSize(hw[0], hw[1]);
        p = resize == null || hw == null ? p : p.withResize(resize);
        p = order == null ? p : p.withChannelOrder(Preprocessing.ChannelOrder.valueOf(order.name()));
        p = layout == null ? p : p.withLayout(Preprocessing.Layout.valueOf(layout.name()));
        DataSource s = DataSource.of(path).withPreprocessing(p);
        s = labels == null ? s : s.withLabels(labels);
        return tokenizer == null ? s : s.withTokenizer(tokenizer, maxLength != null ? maxLength : DatasetOptions.DEFAULT_MAX_LENGTH);
    }
}
