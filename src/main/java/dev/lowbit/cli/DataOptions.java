package dev.lowbit.cli;

import dev.lowbit.LowbitException;
import dev.lowbit.data.DatasetOptions;
import dev.lowbit.data.Preprocess;
import dev.lowbit.onnx.Model;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
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

    /** Dataset options for {@code model}: flags first, then the model's metadata, then defaults. */
    DatasetOptions toOptions(Model model, int limit) {
        Preprocess p = fromMetadata(model);
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
        int channels = inputChannels(model, p.layout());
        if (channels == 1 || channels == 3) {
            p = p.withChannels(channels);
        }
        DatasetOptions o = DatasetOptions.defaults().withPreprocess(p).withLabels(labels);
        return limit > 0 ? o.withLimit(limit) : o;
    }

    private static int inputChannels(Model model, Preprocess.Layout layout) {
        var ins = model.graph().runtimeInputs();
        if (ins.size() != 1 || ins.get(0).dims() == null || ins.get(0).dims().length != 4) {
            return 0;
        }
        int[] d = ins.get(0).dims();
        return layout == Preprocess.Layout.NCHW ? d[1] : d[3];
    }

    @SuppressWarnings("unchecked")
    static Preprocess fromMetadata(Model model) {
        Preprocess p = Preprocess.defaults();
        String json = model.metadata().get("preprocessing");
        if (json == null) {
            return p;
        }
        try {
            Object o = new Yaml(new SafeConstructor(new LoaderOptions())).load(json);
            if (o instanceof Map<?, ?> m) {
                if (m.get("pixel_scale") instanceof Number s) {
                    p = p.withScale(s.floatValue());
                }
                float[] mean = floats(m.get("mean"));
                float[] std = floats(m.get("std"));
                if (mean != null && std != null) {
                    p = p.withNormalization(mean, std);
                }
                if ("NHWC".equals(m.get("layout"))) {
                    p = p.withLayout(Preprocess.Layout.NHWC);
                }
            }
        } catch (RuntimeException e) {
            // Metadata is advisory: a model with unreadable preprocessing notes still runs with defaults.
        }
        return p;
    }

    private static float[] floats(Object v) {
        if (v instanceof Number n) {
            return new float[] {n.floatValue()};
        }
        if (v instanceof List<?> l) {
            float[] f = new float[l.size()];
            for (int i = 0; i < f.length; i++) {
                f[i] = ((Number) l.get(i)).floatValue();
            }
            return f;
        }
        return null;
    }
}
