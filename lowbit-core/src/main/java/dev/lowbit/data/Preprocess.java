package dev.lowbit.data;

import dev.lowbit.LowbitException;
import dev.lowbit.onnx.Model;
import java.util.List;
import java.util.Map;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

import java.util.Arrays;

/**
 * Turns a decoded image into model input: channel conversion (grayscale ⇄ RGB to the model's
 * channel count), resize of the shorter side (bilinear, half-pixel centres), centre crop, then
 * {@code (pixel * scale - mean[c]) / std[c]}, channel order and layout.
 *
 * @param scale         multiplies raw 0..255 pixels first (default 1/255)
 * @param mean          one value, or one per output channel (in RGB order)
 * @param std           one value, or one per output channel (in RGB order)
 * @param resizeShorter target length of the shorter side, 0 = no resize
 * @param cropHeight    centre-crop height, 0 = no crop
 * @param cropWidth     centre-crop width, 0 = no crop
 * @param order         channel order written (for 3-channel output)
 * @param layout        CHW (NCHW batches) or HWC (NHWC batches)
 * @param channels      output channels (1 or 3), 0 = keep the source's
 */
public record Preprocess(float scale, float[] mean, float[] std, int resizeShorter, int cropHeight, int cropWidth,
                         ChannelOrder order, Layout layout, int channels) {

    public enum ChannelOrder { RGB, BGR }

    /**
     * A decoded image before preprocessing: interleaved (height, width, channels) pixels on the
     * 0..255 scale, channels in RGB order (or one grey channel).
     */
    public record Image(int height, int width, int channels, float[] pixels) {
        public Image {
            if (height <= 0 || width <= 0 || channels <= 0 || pixels.length != height * width * channels) {
                throw new LowbitException("image " + width + "x" + height + "x" + channels + " does not match its "
                        + pixels.length + " pixel values");
            }
        }
    }

    public enum Layout { NCHW, NHWC }

    public Preprocess {
        if (mean.length == 0 || std.length == 0) {
            throw new LowbitException("preprocess mean and std need at least one value");
        }
        for (float s : std) {
            if (!(s != 0) || !Float.isFinite(s)) {
                throw new LowbitException("preprocess std must be finite and nonzero, got " + Arrays.toString(std));
            }
        }
        if (channels != 0 && channels != 1 && channels != 3) {
            throw new LowbitException("preprocess channels must be 1 or 3, got " + channels);
        }
        if (resizeShorter < 0 || cropHeight < 0 || cropWidth < 0 || (cropHeight == 0) != (cropWidth == 0)) {
            throw new LowbitException("preprocess resize/crop sizes must be >= 0 and crop needs both height and width");
        }
    }

    /** Pixels scaled to [0, 1], no normalisation, NCHW, channels kept. */
    public static Preprocess defaults() {
        return new Preprocess(1f / 255, new float[] {0}, new float[] {1}, 0, 0, 0, ChannelOrder.RGB, Layout.NCHW, 0);
    }

    /** The usual ImageNet recipe: resize 256, centre crop 224, ImageNet mean/std, RGB, NCHW. */
    public static Preprocess imagenet() {
        return new Preprocess(1f / 255, new float[] {0.485f, 0.456f, 0.406f}, new float[] {0.229f, 0.224f, 0.225f},
                256, 224, 224, ChannelOrder.RGB, Layout.NCHW, 3);
    }

    /** {@code (raw * scale - mean[c]) / std[c]} for a 0..255 value of channel {@code c} (one value serves every channel). */
    public float normalize(float raw, int c) {
        float m = mean[Math.min(c, mean.length - 1)];
        float s = std[Math.min(c, std.length - 1)];
        return (raw * scale - m) / s;
    }

    public Preprocess withNormalization(float[] newMean, float[] newStd) {
        return new Preprocess(scale, newMean, newStd, resizeShorter, cropHeight, cropWidth, order, layout, channels);
    }

    public Preprocess withResize(int shorter, int cropH, int cropW) {
        return new Preprocess(scale, mean, std, shorter, cropH, cropW, order, layout, channels);
    }

    public Preprocess withLayout(Layout newLayout) {
        return new Preprocess(scale, mean, std, resizeShorter, cropHeight, cropWidth, order, newLayout, channels);
    }

    public Preprocess withOrder(ChannelOrder newOrder) {
        return new Preprocess(scale, mean, std, resizeShorter, cropHeight, cropWidth, newOrder, layout, channels);
    }

    public Preprocess withChannels(int newChannels) {
        return new Preprocess(scale, mean, std, resizeShorter, cropHeight, cropWidth, order, layout, newChannels);
    }

    public Preprocess withScale(float newScale) {
        return new Preprocess(newScale, mean, std, resizeShorter, cropHeight, cropWidth, order, layout, channels);
    }

    /** Height and width after resize and crop of an h x w source. */
    public int[] outputSize(int h, int w) {
        int[] r = resizedSize(h, w);
        return cropHeight > 0 ? new int[] {cropHeight, cropWidth} : r;
    }

    /** The per-sample shape ([C, H, W] or [H, W, C]) for an h x w x c source. */
    public int[] sampleShape(int h, int w, int c) {
        int[] hw = outputSize(h, w);
        int oc = channels == 0 ? c : channels;
        return layout == Layout.NCHW ? new int[] {oc, hw[0], hw[1]} : new int[] {hw[0], hw[1], oc};
    }

    private int[] resizedSize(int h, int w) {
        if (resizeShorter == 0) {
            return new int[] {h, w};
        }
        // As torchvision: the shorter side becomes the target, the longer keeps the aspect ratio.
        if (h <= w) {
            return new int[] {resizeShorter, (int) ((long) w * resizeShorter / h)};
        }
        return new int[] {(int) ((long) h * resizeShorter / w), resizeShorter};
    }

    /** Writes the preprocessed sample into {@code dst[off ...]} (sampleShape-many floats). */
    public void apply(Image img, float[] dst, int off) {
        Image x = convertChannels(img);
        int[] rs = resizedSize(x.height(), x.width());
        if (rs[0] != x.height() || rs[1] != x.width()) {
            x = resizeBilinear(x, rs[0], rs[1]);
        }
        int h = x.height();
        int w = x.width();
        int top = 0;
        int left = 0;
        int oh = h;
        int ow = w;
        if (cropHeight > 0) {
            if (cropHeight > h || cropWidth > w) {
                throw new LowbitException("image " + w + "x" + h + " (after resize) is smaller than the crop "
                        + cropWidth + "x" + cropHeight);
            }
            top = (int) Math.round((h - cropHeight) / 2.0);
            left = (int) Math.round((w - cropWidth) / 2.0);
            oh = cropHeight;
            ow = cropWidth;
        }
        int c = x.channels();
        float[] px = x.pixels();
        for (int oc = 0; oc < c; oc++) {
            int srcC = c == 3 && order == ChannelOrder.BGR ? 2 - oc : oc;
            float m = mean[mean.length == 1 ? 0 : checkedChannel(mean, srcC, c, "mean")];
            float inv = 1f / std[std.length == 1 ? 0 : checkedChannel(std, srcC, c, "std")];
            for (int y = 0; y < oh; y++) {
                int row = ((top + y) * w + left) * c + srcC;
                for (int xx = 0; xx < ow; xx++) {
                    float v = (px[row + xx * c] * scale - m) * inv;
                    int o = layout == Layout.NCHW ? (oc * oh + y) * ow + xx : (y * ow + xx) * c + oc;
                    dst[off + o] = v;
                }
            }
        }
    }

    private static int checkedChannel(float[] values, int ch, int channels, String what) {
        if (values.length != channels) {
            throw new LowbitException("preprocess " + what + " has " + values.length + " values for " + channels
                    + "-channel images");
        }
        return ch;
    }

    private Image convertChannels(Image img) {
        int target = channels == 0 ? img.channels() : channels;
        if (target == img.channels()) {
            return img;
        }
        int n = img.height() * img.width();
        float[] src = img.pixels();
        float[] out = new float[n * target];
        if (img.channels() == 1 && target == 3) {
            for (int i = 0; i < n; i++) {
                out[3 * i] = out[3 * i + 1] = out[3 * i + 2] = src[i];
            }
        } else if (img.channels() == 3 && target == 1) {
            for (int i = 0; i < n; i++) { // ITU-R 601 luma, as PIL's convert("L")
                out[i] = 0.299f * src[3 * i] + 0.587f * src[3 * i + 1] + 0.114f * src[3 * i + 2];
            }
        } else {
            throw new LowbitException("cannot convert " + img.channels() + "-channel images to " + target + " channels");
        }
        return new Image(img.height(), img.width(), target, out);
    }

    /** Bilinear resize with half-pixel centres (align_corners = false), edges clamped. */
    static Image resizeBilinear(Image img, int oh, int ow) {
        int h = img.height();
        int w = img.width();
        int c = img.channels();
        float[] src = img.pixels();
        float[] out = new float[oh * ow * c];
        double sy = (double) h / oh;
        double sx = (double) w / ow;
        for (int y = 0; y < oh; y++) {
            double fy = Math.max(0, (y + 0.5) * sy - 0.5);
            int y0 = Math.min((int) fy, h - 1);
            int y1 = Math.min(y0 + 1, h - 1);
            float wy = (float) (fy - y0);
            for (int x = 0; x < ow; x++) {
                double fx = Math.max(0, (x + 0.5) * sx - 0.5);
                int x0 = Math.min((int) fx, w - 1);
                int x1 = Math.min(x0 + 1, w - 1);
                float wx = (float) (fx - x0);
                for (int k = 0; k < c; k++) {
                    float top = src[(y0 * w + x0) * c + k] * (1 - wx) + src[(y0 * w + x1) * c + k] * wx;
                    float bot = src[(y1 * w + x0) * c + k] * (1 - wx) + src[(y1 * w + x1) * c + k] * wx;
                    out[(y * ow + x) * c + k] = top * (1 - wy) + bot * wy;
                }
            }
        }
        return new Image(oh, ow, c, out);
    }

    private static int inputChannels(Model model, Layout layout) {
        var ins = model.graph().runtimeInputs();
        if (ins.size() != 1 || ins.get(0).dims() == null || ins.get(0).dims().length != 4) {
            return 0;
        }
        int[] d = ins.get(0).dims();
        return layout == Layout.NCHW ? d[1] : d[3];
    }

    /**
     * The preprocessing {@code model} declares in its {@code preprocessing} metadata (lowbit's
     * exports and example models carry it), else {@link #defaults()}, with the channel count of
     * its image input.
     */
    public static Preprocess forModel(Model model) {
        return fromMetadata(model).withModelChannels(model);
    }

    /** This preprocessing writing as many channels (1 or 3) as {@code model}'s 4-D input has, when it has one. */
    public Preprocess withModelChannels(Model model) {
        int c = inputChannels(model, layout);
        return c == 1 || c == 3 ? withChannels(c) : this;
    }

    /** The preprocessing in {@code model}'s metadata (pixel_scale, mean, std, layout), else {@link #defaults()}. */
    public static Preprocess fromMetadata(Model model) {
        Preprocess p = defaults();
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
                    p = p.withLayout(Layout.NHWC);
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
