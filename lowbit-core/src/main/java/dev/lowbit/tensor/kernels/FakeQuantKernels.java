package dev.lowbit.tensor.kernels;

/**
 * Runs of fake quantization (quantize then dequantize in float) for {@code dev.lowbit.quant.FakeQuant},
 * with the zero point folded into the clamp bounds: {@code rint(clamp(x / s, qmin - z, qmax - z)) * s},
 * which equals {@code s * (clamp(rint(x / s) + z, qmin, qmax) - z)} because the bounds are integers.
 * The loops are the provider's {@link QuantizeLoops}.
 */
public final class FakeQuantKernels {
    private static final QuantizeLoops LOOPS = VectorizationProvider.get().quantize();
    /** Adding then subtracting 1.5·2^23 rounds a float of magnitude < 2^22 to an integer, half to even. */
    private static final float ROUND_MAGIC = 12582912f;

    private FakeQuantKernels() {
    }

    /** dst[dstOff + i] = {@link #scalar}(src[off + i], scale, lo, hi) for i < len. */
    public static void fakeQuantize(float[] src, int off, int len, float[] dst, int dstOff, float scale, float lo,
            float hi) {
        LOOPS.fakeQuantize(src, off, len, dst, dstOff, scale, lo, hi);
    }

    /** dst[off + c] = {@link #scalar}(src[off + c], scales[c], lo[c], hi[c]) for c < channels. */
    public static void fakeQuantizeChannels(float[] src, float[] dst, int off, int channels, float[] scales, float[] lo,
            float[] hi) {
        LOOPS.fakeQuantizeChannels(src, dst, off, channels, scales, lo, hi);
    }

    /**
     * One value: clamp x / scale to [lo, hi] in float, round half to even, rescale. NaN stays NaN;
     * the vector loops do exactly this arithmetic.
     */
    public static float scalar(float x, float scale, float lo, float hi) {
        float v = Math.min(hi, Math.max(lo, x / scale));
        return ((v + ROUND_MAGIC) - ROUND_MAGIC) * scale;
    }
}
