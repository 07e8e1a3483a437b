package dev.lowbit.qat;

import dev.lowbit.data.Feeds;
import dev.lowbit.tensor.DType;
import dev.lowbit.tensor.Tensor;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

/**
 * Training batches: samples gathered from every input; float NCHW image inputs augmented by random crop after padding by {@code pad} pixels (the pad
 * takes each channel's smallest value, the background of normalised images) and a horizontal flip
 * with probability ½. Draws come from the caller's seeded generator in a fixed order.
 */
final class Augment {
    private Augment() {
    }

    /**
     * Gathers samples {@code idx} of every input of {@code data} into one batch; float inputs of
     * rank 4 (images) are augmented, others (token ids, masks, features) copied.
     */
    static Map<String, Tensor> batch(Map<String, Tensor> data, int[] idx, int pad, boolean flip, Random rnd) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        data.forEach((k, v) -> out.put(k, v.dtype() == DType.FLOAT && v.rank() == 4 && (pad > 0 || flip)
                ? images(v, idx, pad, flip, rnd) : Feeds.rows(v, idx)));
        return out;
    }

    /** Samples {@code idx} of NCHW images, augmented. */
    static Tensor images(Tensor all, int[] idx, int pad, boolean flip, Random rnd) {
        int[] shape = all.shape();
        int per = all.size() / shape[0];
        float[] src = all.floats(), dst = new float[idx.length * per];
        boolean image = shape.length == 4;
        for (int b = 0; b < idx.length; b++) {
            if (!image || (pad == 0 && !flip)) {
                System.arraycopy(src, idx[b] * per, dst, b * per, per);
                continue;
            }
            int dy = pad > 0 ? rnd.nextInt(2 * pad + 1) - pad : 0;
            int dx = pad > 0 ? rnd.nextInt(2 * pad + 1) - pad : 0;
            boolean mirror = flip && rnd.nextBoolean();
            sample(src, idx[b] * per, dst, b * per, shape[1], shape[2], shape[3], dy, dx, mirror);
        }
        shape[0] = idx.length;
        return Tensor.of(dst, shape);
    }

    /** out[c, y, x] = in[c, y + dy, x' + dx] with x' mirrored when asked; outside the image: the channel minimum. */
    static void sample(float[] src, int so, float[] dst, int dOff, int c, int h, int w, int dy, int dx, boolean mirror) {
        for (int ch = 0; ch < c; ch++) {
            int base = so + ch * h * w;
            float fill = Float.POSITIVE_INFINITY;
            for (int i = 0; i < h * w; i++) {
                fill = Math.min(fill, src[base + i]);
            }
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    int sy = y + dy, sx = (mirror ? w - 1 - x : x) + dx;
                    dst[dOff + (ch * h + y) * w + x] = sy >= 0 && sy < h && sx >= 0 && sx < w ? src[base + sy * w + sx] : fill;
                }
            }
        }
    }
}
