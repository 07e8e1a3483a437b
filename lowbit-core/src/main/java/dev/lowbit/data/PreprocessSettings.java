package dev.lowbit.data;

import dev.lowbit.LowbitException;
import dev.lowbit.onnx.Model;
import java.util.Locale;

/**
 * Preprocessing a user sets (command-line flags, or the same keys in a training config), laid over
 * what the model declares: unset fields keep the model's metadata, then {@link Preprocess#defaults()}.
 * Names in messages are the flags' ({@code --mean}); a config's keys are the same without dashes.
 *
 * @param pixelScale factor applied to raw 0..255 pixels (null = unset)
 * @param mean       one value or one per channel (null = unset)
 * @param std        one value or one per channel (null = unset)
 * @param size       {@code HxW}: resize the shorter side, then centre-crop (null = unset)
 * @param resize     shorter side before the crop (null = the crop's shorter side)
 * @param order      channel order of colour images (null = unset)
 * @param layout     NCHW or NHWC (null = unset)
 */
public record PreprocessSettings(Float pixelScale, float[] mean, float[] std, String size, Integer resize,
                                 Preprocess.ChannelOrder order, Preprocess.Layout layout) {
    public static final PreprocessSettings NONE = new PreprocessSettings(null, null, null, null, null, null, null);

    /** The preprocessing for data feeding {@code model}: its metadata, these settings over it, its channel count. */
    public Preprocess forModel(Model model) {
        return applyTo(Preprocess.fromMetadata(model)).withModelChannels(model);
    }

    /**
     * {@code size} read as {height, width} (null when unset).
     *
     * @throws LowbitException when it is not HxW with sides in 1..16384
     */
    public int[] cropSize() {
        if (size == null) {
            return null;
        }
        String[] hw = size.toLowerCase(Locale.ROOT).split("x", -1);
        try {
            int h = Integer.parseInt(hw[0].trim());
            int w = Integer.parseInt(hw[hw.length - 1].trim());
            if (hw.length != 2 || h < 1 || w < 1 || h > 16384 || w > 16384) {
                throw new LowbitException("--size must be HxW with sides in 1..16384, e.g. 224x224; got '" + size + "'");
            }
            return new int[] {h, w};
        } catch (NumberFormatException e) {
            throw new LowbitException("--size must be HxW, e.g. 224x224; got '" + size + "'");
        }
    }

    /** {@code p} with every set field replaced; values are checked (finite, positive scale and std, sane sizes). */
    public Preprocess applyTo(Preprocess p) {
        if (pixelScale != null) {
            if (!Float.isFinite(pixelScale) || pixelScale <= 0) {
                throw new LowbitException("--pixel-scale must be a finite number above 0, got " + pixelScale);
            }
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
        int[] hw = cropSize();
        if (hw != null) {
            p = p.withResize(resize != null ? resize : Math.min(hw[0], hw[1]), hw[0], hw[1]);
        }
        if (order != null) {
            p = p.withOrder(order);
        }
        if (layout != null) {
            p = p.withLayout(layout);
        }
        return p;
    }
}
