package dev.lowbit.tensor.kernels;

/**
 * Runs of quantization with one scale and zero point, obtained from {@link VectorizationProvider}:
 * the loops of {@link IntQuantize} and {@link FakeQuantKernels}. Every implementation gives the
 * same results bit for bit (clamp in float, then round half to even).
 */
public interface QuantizeLoops {
    /** out[outOff + i] = rint(clamp(x[xOff + i] / scale, qmin - zp, qmax - zp)) + zp for i < n (NaN gives zp). */
    void quantize(float[] x, int xOff, int n, float scale, int zp, int qmin, int qmax, int[] out, int outOff);

    /** {@link #quantize} straight to 8-bit bytes (qmin, qmax within a byte type's range). */
    void quantizeToBytes(float[] x, int xOff, int n, float scale, int zp, int qmin, int qmax, byte[] out, int outOff);

    /**
     * out[outOff + i] = rint(clamp((acc[accOff + i] + add) * multiplier, qmin - zp, qmax - zp)) + zp
     * for i < n, the product in float.
     */
    void requantize(int[] acc, int accOff, int n, int add, float multiplier, int zp, int qmin, int qmax, int[] out,
            int outOff);

    /**
     * out[outOff + i] = (byte) (rint(clamp((float) ((int) acc[accOff + i] + add) * multiplier, qmin - zp, qmax - zp)) + zp)
     * for i < n: {@link #requantize} for accumulators that are exact integers of magnitude at most 2^24 held in
     * floats, straight to 8-bit
     * bytes (the integer sum with {@code add} is formed in int32, as ONNX Runtime does).
     */
    void requantizeToBytes(float[] acc, int accOff, int n, int add, float multiplier, int zp, int qmin, int qmax,
            byte[] out, int outOff);

    /** {@link #requantize} straight to 8-bit bytes ({@code qmin, qmax} inside a byte type's range). */
    void requantizeToBytes(int[] acc, int accOff, int n, int add, float multiplier, int zp, int qmin, int qmax,
            byte[] out, int outOff);

    /**
     * out[oo + i] = saturate(rint(fma(a[ao + i], ra, fma(b[bo + i], rb, fixed)))) for i < n, the bytes read as
     * unsigned (saturating to [0, 255]) or signed ([-128, 127]): ONNX Runtime's QLinearAdd arithmetic. Callers
     * guarantee |result| < 2^22 for every byte pair (rounding then needs no overflow handling).
     */
    void linearAddToBytes(byte[] a, int ao, byte[] b, int bo, int n, boolean unsigned, float ra, float rb, float fixed,
            byte[] out, int oo);

    /**
     * In place, {@code y[off + i] = rint(clamp(y[off + i] * scale[sOff + i % lanes], lo, hi)) + 0f} for
     * i < n: accumulators (exact integers, bias included) requantized as ONNX Runtime does, kept as
     * floats shifted by the output zero point (lo = qmin - zp, hi = qmax - zp); the product is one
     * float multiply, and {@code + 0f} makes a rounded -0 plain zero.
     */
    void requantizeShifted(float[] y, int off, int n, float[] scale, int sOff, int lanes, float lo, float hi);

    /**
     * {@code out[oo + i] = clamp(rint(fma(a[ao + i] + za, ra, fma(b[bo + i] + zb, rb, fixed))), qmin, qmax)
     * + 0f - zc} for i < n: {@link #linearAddToBytes}'s arithmetic on operands held shifted by their
     * zero points (so {@code a + za} is the byte value), the result shifted by zc. Callers guarantee
     * |fma result| < 2^22.
     */
    void linearAddShifted(float[] a, int ao, float[] b, int bo, int n, float za, float zb, float ra, float rb,
            float fixed, float qmin, float qmax, float zc, float[] out, int oo);

    /** out[outOff + i] = (float) (value(x[xOff + i]) - zp) for i < n, the byte read as unsigned or signed. */
    void shiftedFloats(byte[] x, int xOff, int n, boolean unsigned, int zp, float[] out, int outOff);

    /**
     * dst[dstOff + i] = {@link FakeQuantKernels#scalar}(src[off + i], scale, lo, hi) for i < len: fake
     * quantization with the zero point already folded into lo = qmin - zp and hi = qmax - zp.
     */
    void fakeQuantize(float[] src, int off, int len, float[] dst, int dstOff, float scale, float lo, float hi);

    /**
     * dst[off + c] = {@link FakeQuantKernels#scalar}(src[off + c], scales[c], lo[c], hi[c]) for
     * c < channels: one row whose innermost axis is the channel.
     */
    void fakeQuantizeChannels(float[] src, float[] dst, int off, int channels, float[] scales, float[] lo, float[] hi);
}
