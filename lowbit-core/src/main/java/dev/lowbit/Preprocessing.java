package dev.lowbit;

import dev.lowbit.data.Preprocess;
import dev.lowbit.data.PreprocessSettings;
import java.util.Arrays;
import java.util.StringJoiner;

/**
 * How images become model input, where the model does not say it already. lowbit's exports (and
 * many models) carry {@code preprocessing} metadata (pixel scale, mean, std, layout); what is set
 * here wins over it, and what is set nowhere is the default: pixels scaled to [0, 1], no
 * normalisation, NCHW, RGB, the model's channel count. Applied per channel as
 * {@code (pixel * pixelScale - mean[c]) / std[c]} after the optional resize and centre crop.
 *
 * <p>Immutable: each {@code with} method returns a new object.
 */
public final class Preprocessing {
    /** Channel order written for colour images. */
    public enum ChannelOrder {
        /** Red, green, blue (PyTorch, most exports). */
        RGB,
        /** Blue, green, red (OpenCV, Caffe). */
        BGR
    }

    /** Tensor layout of an image input. */
    public enum Layout {
        /** Batch, channels, height, width (PyTorch, ONNX's usual layout). */
        NCHW,
        /** Batch, height, width, channels (TensorFlow). */
        NHWC
    }

    private static final Preprocessing FROM_MODEL = new Preprocessing(PreprocessSettings.NONE);
    private final PreprocessSettings settings;

    private Preprocessing(PreprocessSettings settings) {
        this.settings = settings;
    }

    /**
     * Nothing set: everything from the model's metadata, else the defaults.
     *
     * @return the preprocessing
     */
    public static Preprocessing fromModel() {
        return FROM_MODEL;
    }

    /**
     * Multiplies raw 0..255 pixels first (default 1/255).
     *
     * @param scale a finite factor above 0
     * @return a copy with the scale set
     * @throws LowbitException for a scale that is not finite or not above 0
     */
    public Preprocessing withPixelScale(float scale) {
        if (!Float.isFinite(scale) || scale <= 0) {
            throw new LowbitException("pixel scale must be a finite number above 0, got " + scale);
        }
        return with(scale, settings.mean(), settings.std(), settings.size(), settings.resize(), settings.order(),
                settings.layout());
    }

    /**
     * Subtracts a mean after pixel scaling (ImageNet: 0.485, 0.456, 0.406). The model's std (or 1)
     * stays unless {@link #withStd} sets it too.
     *
     * @param mean one value for every channel, or one per channel in RGB order
     * @return a copy with the mean set
     * @throws LowbitException for no value or a value that is not finite
     */
    public Preprocessing withMean(float... mean) {
        check("mean", mean);
        return with(settings.pixelScale(), mean.clone(), settings.std(), settings.size(), settings.resize(),
                settings.order(), settings.layout());
    }

    /**
     * Divides by a standard deviation after subtracting the mean (ImageNet: 0.229, 0.224, 0.225).
     *
     * @param std one value for every channel, or one per channel in RGB order; each above 0
     * @return a copy with the standard deviation set
     * @throws LowbitException for no value, or a value that is not finite or not above 0
     */
    public Preprocessing withStd(float... std) {
        check("std", std);
        for (float v : std) {
            if (v <= 0) {
                throw new LowbitException("std values must be above 0, got " + Arrays.toString(std));
            }
        }
        return with(settings.pixelScale(), settings.mean(), std.clone(), settings.size(), settings.resize(),
                settings.order(), settings.layout());
    }

    /**
     * Resizes the shorter side (to {@link #withResize}'s length, else to the smaller of height and
     * width), then centre-crops to height × width.
     *
     * @param height crop height, 1 to 16384
     * @param width  crop width, 1 to 16384
     * @return a copy with the size set
     * @throws LowbitException for sides outside 1..16384
     */
    public Preprocessing withSize(int height, int width) {
        if (height < 1 || width < 1 || height > 16384 || width > 16384) {
            throw new LowbitException("image size must have sides in 1..16384, got " + height + "x" + width);
        }
        return with(settings.pixelScale(), settings.mean(), settings.std(), height + "x" + width, settings.resize(),
                settings.order(), settings.layout());
    }

    /**
     * The shorter side's length before {@link #withSize}'s centre crop (ImageNet: 256 for a 224
     * crop). Has no effect without a size.
     *
     * @param shorterSide length in pixels, 1 to 16384, or 0 to crop without resizing
     * @return a copy with the resize set
     * @throws LowbitException for a length outside 0..16384
     */
    public Preprocessing withResize(int shorterSide) {
        if (shorterSide < 0 || shorterSide > 16384) {
            throw new LowbitException("resize length must be in 0..16384, got " + shorterSide);
        }
        return with(settings.pixelScale(), settings.mean(), settings.std(), settings.size(), shorterSide,
                settings.order(), settings.layout());
    }

    /**
     * The channel order written for colour images (default RGB).
     *
     * @param order the order
     * @return a copy with the order set
     */
    public Preprocessing withChannelOrder(ChannelOrder order) {
        return with(settings.pixelScale(), settings.mean(), settings.std(), settings.size(), settings.resize(),
                Preprocess.ChannelOrder.valueOf(order.name()), settings.layout());
    }

    /**
     * The layout of the model's image input (default NCHW).
     *
     * @param layout the layout
     * @return a copy with the layout set
     */
    public Preprocessing withLayout(Layout layout) {
        return with(settings.pixelScale(), settings.mean(), settings.std(), settings.size(), settings.resize(),
                settings.order(), Preprocess.Layout.valueOf(layout.name()));
    }

    /** What was set, for the data readers. */
    PreprocessSettings settings() {
        return settings;
    }

    private static Preprocessing with(Float scale, float[] mean, float[] std, String size, Integer resize,
                                      Preprocess.ChannelOrder order, Preprocess.Layout layout) {
        return new Preprocessing(new PreprocessSettings(scale, mean, std, size, resize, order, layout));
    }

    private static void check(String what, float[] values) {
        if (values == null || values.length == 0) {
            throw new LowbitException(what + " needs at least one value");
        }
        for (float v : values) {
            if (!Float.isFinite(v)) {
                throw new LowbitException(what + " values must be finite numbers, got " + Arrays.toString(values));
            }
        }
    }

    /** The settings that were made, e.g. {@code Preprocessing[mean=[0.286], std=[0.353]]}. */
    @Override
    public String toString() {
        StringJoiner j = new StringJoiner(", ", "Preprocessing[", "]");
        Object[][] fields = {{"pixelScale", settings.pixelScale()},
            {"mean", settings.mean() == null ? null : Arrays.toString(settings.mean())},
            {"std", settings.std() == null ? null : Arrays.toString(settings.std())}, {"size", settings.size()},
            {"resize", settings.resize()}, {"channelOrder", settings.order()}, {"layout", settings.layout()}};
        for (Object[] f : fields) {
            if (f[1] != null) {
                j.add(f[0] + "=" + f[1]);
            }
        }
        return j.toString();
    }
}
