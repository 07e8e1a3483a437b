package dev.lowbit.tensor.kernels;

/**
 * Runs of quantization and requantization with one scale and zero point, matching
 * {@code dev.lowbit.quant.QuantMath}'s scalar definitions bit for bit (tested against them; the
 * kernels do not depend on the quantization package). The loops are the provider's
 * {@link QuantizeLoops}, vectorised when the Vector API is available.
 *
 * <p>The value is clamped to [qmin - zp, qmax - zp] before rounding (the bounds are integers, so
 * clamping commutes with rounding) and rounded half to even. NaN passes the clamp, converts to 0
 * and so lands on the zero point.
 */
public final class IntQuantize {
    private static final QuantizeLoops LOOPS = VectorizationProvider.get().quantize();

    private IntQuantize() {
    }

    /** {@code out[outOff + i] = quantize(x[xOff + i], scale, zp)} for i in [0, n). */
    public static void quantize(float[] x, int xOff, int n, float scale, int zp, int qmin, int qmax, int[] out, int outOff) {
        LOOPS.quantize(x, xOff, n, scale, zp, qmin, qmax, out, outOff);
    }

    /** {@link #quantize} straight to 8-bit bytes ({@code qmin, qmax} of a byte type). */
    public static void quantizeToBytes(float[] x, int xOff, int n, float scale, int zp, int qmin, int qmax, byte[] out,
                                       int outOff) {
        LOOPS.quantizeToBytes(x, xOff, n, scale, zp, qmin, qmax, out, outOff);
    }

    /** {@code out[outOff + i] = requantize(acc[accOff + i] + add, multiplier, zp)} for i in [0, n). */
    public static void requantize(int[] acc, int accOff, int n, int add, float multiplier, int zp, int qmin, int qmax,
                                  int[] out, int outOff) {
        LOOPS.requantize(acc, accOff, n, add, multiplier, zp, qmin, qmax, out, outOff);
    }

    /**
     * {@code out[outOff + i] = (byte) requantize((int) acc[accOff + i] + add, multiplier, zp)} for i in [0, n):
     * accumulators that are exact integers held in floats (see ops' ExactFloatAccumulation).
     */
    public static void requantizeToBytes(float[] acc, int accOff, int n, int add, float multiplier, int zp, int qmin,
                                         int qmax, byte[] out, int outOff) {
        LOOPS.requantizeToBytes(acc, accOff, n, add, multiplier, zp, qmin, qmax, out, outOff);
    }

    /** {@link #requantize} straight to 8-bit bytes ({@code qmin, qmax} inside the byte type's range). */
    public static void requantizeToBytes(int[] acc, int accOff, int n, int add, float multiplier, int zp, int qmin,
                                         int qmax, byte[] out, int outOff) {
        LOOPS.requantizeToBytes(acc, accOff, n, add, multiplier, zp, qmin, qmax, out, outOff);
    }

    /** ONNX Runtime's QLinearAdd arithmetic on two byte runs; see {@link QuantizeLoops#linearAddToBytes}. */
    public static void linearAddToBytes(byte[] a, int ao, byte[] b, int bo, int n, boolean unsigned, float ra, float rb,
                                        float fixed, byte[] out, int oo) {
        LOOPS.linearAddToBytes(a, ao, b, bo, n, unsigned, ra, rb, fixed, out, oo);
    }

    /** Requantization of float-held accumulators in place; see {@link QuantizeLoops#requantizeShifted}. */
    public static void requantizeShifted(float[] y, int off, int n, float[] scale, int sOff, int lanes, float lo,
            float hi) {
        LOOPS.requantizeShifted(y, off, n, scale, sOff, lanes, lo, hi);
    }

    /** QLinearAdd on zero-point-shifted floats; see {@link QuantizeLoops#linearAddShifted}. */
    public static void linearAddShifted(float[] a, int ao, float[] b, int bo, int n, float za, float zb, float ra,
            float rb, float fixed, float qmin, float qmax, float zc, float[] out, int oo) {
        LOOPS.linearAddShifted(a, ao, b, bo, n, za, zb, ra, rb, fixed, qmin, qmax, zc, out, oo);
    }

    /** {@code out[outOff + i] = value(x[xOff + i]) - zp} as float, the byte read as unsigned or signed. */
    public static void shiftedFloats(byte[] x, int xOff, int n, boolean unsigned, int zp, float[] out, int outOff) {
        LOOPS.shiftedFloats(x, xOff, n, unsigned, zp, out, outOff);
    }

    /**
     * The scalar rounding step: rint of a value already clamped to [qmin - zp, qmax - zp], plus the
     * zero point (NaN passes the clamp and lands on zp).
     */
    public static int round(float clamped, int zp) {
        return (int) Math.rint(clamped) + zp;
    }
}
