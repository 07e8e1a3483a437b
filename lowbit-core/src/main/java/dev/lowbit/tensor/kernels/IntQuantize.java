package dev.lowbit.tensor.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Vectorised runs of quantization and requantization with one scale and zero point, matching
 * {@code dev.lowbit.quant.QuantMath}'s scalar definitions bit for bit (tested against them; the
 * kernels do not depend on the quantization package).
 *
 * <p>The value is clamped to [qmin - zp, qmax - zp] before rounding (the bounds are integers, so
 * clamping commutes with rounding), after which |v| < 2^22 and adding then subtracting 1.5 * 2^23
 * rounds it to the nearest integer, ties to even, in IEEE float arithmetic. NaN passes the clamp,
 * converts to 0 and so lands on the zero point, as in the scalar code.
 */
public final class IntQuantize {
    private static final VectorSpecies<Float> FS = FloatVector.SPECIES_PREFERRED;
    private static final float ROUNDING_MAGIC = 12582912f; // 1.5 * 2^23

    private IntQuantize() {
    }

    /** {@code out[outOff + i] = quantize(x[xOff + i], scale, zp)} for i in [0, n). */
    public static void quantize(float[] x, int xOff, int n, float scale, int zp, int qmin, int qmax, int[] out, int outOff) {
        float lo = qmin - zp;
        float hi = qmax - zp;
        int i = 0;
        int bound = FS.loopBound(n);
        for (; i < bound; i += FS.length()) {
            FloatVector v = FloatVector.fromArray(FS, x, xOff + i).div(scale).max(lo).min(hi);
            store(v, zp, out, outOff + i);
        }
        for (; i < n; i++) {
            out[outOff + i] = round(Math.min(Math.max(x[xOff + i] / scale, lo), hi), zp);
        }
    }

    /** {@code out[outOff + i] = requantize(acc[accOff + i] + add, multiplier, zp)} for i in [0, n). */
    public static void requantize(int[] acc, int accOff, int n, int add, float multiplier, int zp, int qmin, int qmax,
                                  int[] out, int outOff) {
        float lo = qmin - zp;
        float hi = qmax - zp;
        int i = 0;
        int bound = FS.loopBound(n);
        for (; i < bound; i += FS.length()) {
            IntVector a = IntVector.fromArray(IntVector.SPECIES_PREFERRED, acc, accOff + i).add(add);
            FloatVector v = ((FloatVector) a.convert(VectorOperators.I2F, 0)).mul(multiplier).max(lo).min(hi);
            store(v, zp, out, outOff + i);
        }
        for (; i < n; i++) {
            out[outOff + i] = round(Math.min(Math.max((float) (acc[accOff + i] + add) * multiplier, lo), hi), zp);
        }
    }

    /** The scalar tail: the same clamp-then-round-half-even as the lanes (NaN passes the clamp and lands on zp). */
    private static int round(float clamped, int zp) {
        return (int) Math.rint(clamped) + zp;
    }

    private static void store(FloatVector clamped, int zp, int[] out, int off) {
        FloatVector rounded = clamped.add(ROUNDING_MAGIC).sub(ROUNDING_MAGIC);
        ((IntVector) rounded.convert(VectorOperators.F2I, 0)).add(zp).intoArray(out, off);
    }
}
