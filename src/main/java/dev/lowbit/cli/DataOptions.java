package dev.lowbit.cli;

import dev.lowbit.LowbitException;
import dev.lowbit.data.DatasetOptions;
import dev.lowbit.data.Preprocess;
import dev.lowbit.onnx.Model;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * Data-set flags shared by quantize, eval, compare and sensitivity: labels and preprocessing.
 * Unset preprocessing comes from the model's {@code preprocessing} metadata when it has one
 * (lowbit's example models do), else pixels are scaled to [0, 1] without normalisation.
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

    /** Dataset options for {@code model}: flags first, then the model's metadata, then defaults. */
    DatasetOptions toOptions(Model model, int limit) {
        Preprocess p = Preprocess.fromMetadata(model);
        if (pixelScale != null) {
            Checks.finitePositive("--pixel-scale", pixelScale);
            p = p.withScale(pixelScale);
        }
        for (float[] values : new float[][] {mean, std}) {
            for (float v : values == null ? new float[0] : values) {
                if (!Float.isFinite(v)) {
                    throw new LowbitException("--mean and --std must be finite numbers, got " + v);
                }
            }
        }
        for (float v : std == null ? new float[0] : std) {
            if (v <= 0) {
                throw new LowbitException("--std must be above 0, got " + v);
            }
        }
        if (mean != null || std != null) {
            p = p.withNormalization(mean != null ? mean : p.mean(), std != null ? std : p.std());
        }
        if (size != null) {
            String[] hw = size.toLowerCase(java.util.Locale.ROOT).split("x");
            try {
                int h = Integer.parseInt(hw[0].trim());
                int w = Integer.parseInt(hw[hw.length - 1].trim());
                if (hw.length != 2 || h < 1 || w < 1 || h > 16384 || w > 16384) {
                    throw new LowbitException("--size must be HxW with sides in 1..16384, e.g. 224x224; got '" + size + "'");
                }
                p = p.withResize(resize != null ? resize : Math.min(h, w), h, w);
            } catch (NumberFormatException e) {
                throw new LowbitException("--size must be HxW, e.g. 224x224; got '" + size + "'");
            }
        }
        if (order != null) {
            p = p.withOrder(order);
        }
        if (layout != null) {
            p = p.withLayout(layout);
        }
        p = p.withModelChannels(model);
        DatasetOptions o = DatasetOptions.forModel(model).withPreprocess(p).withLabels(labels);
        if (tokenizer != null) {
            o = o.withTokenizer(tokenizer, maxLength != null ? maxLength : DatasetOptions.DEFAULT_MAX_LENGTH);
        }
        return limit > 0 ? o.withLimit(limit) : o;
    }

}
