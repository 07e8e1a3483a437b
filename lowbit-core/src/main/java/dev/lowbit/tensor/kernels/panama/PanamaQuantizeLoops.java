package dev.lowbit.tensor.kernels.panama;

import dev.lowbit.tensor.kernels.FakeQuantKernels;
import dev.lowbit.tensor.kernels.IntQuantize;
import dev.lowbit.tensor.kernels.QuantizeLoops;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Quantization runs on the Vector API. A value clamped to integer bounds has |v| < 2^22, so adding
 * then subtracting 1.5 * 2^23 rounds it to the nearest integer, ties to even, in IEEE float
 * arithmetic: the same result as the scalar {@code Math.rint}. NaN passes the clamp and converts to
 * 0, so it lands on the zero point, as in the scalar code.
 */
final class PanamaQuantizeLoops implements QuantizeLoops {
    private static final VectorSpecies<Float> FS = PanamaSpecies.FLOAT;
    private static final VectorSpecies<Integer> IS = PanamaSpecies.INT;
    private static final VectorSpecies<Byte> BS = PanamaSpecies.BYTE;
    private static final float ROUNDING_MAGIC = 12582912f; // 1.5 * 2^23
    /** The bits of {@link #ROUNDING_MAGIC}: the float {@code ROUNDING_MAGIC + k} has bits {@code MAGIC_BITS + k} for |k| < 2^22. */
    private static final int MAGIC_BITS = 0x4B400000;
    private static final float MAGIC_RANGE = 4194304f; // 2^22
    /** The largest magnitude of a float-exact accumulator (ExactFloatAccumulation's bound). */
    private static final float EXACT_ACC = 16777216f; // 2^24

    @Override
    public void quantize(float[] x, int xOff, int n, float scale, int zp, int qmin, int qmax, int[] out, int outOff) {
        float lo = qmin - zp;
        float hi = qmax - zp;
        int i = 0;
        int bound = FS.loopBound(n);
        for (; i < bound; i += FS.length()) {
            FloatVector v = FloatVector.fromArray(FS, x, xOff + i).div(scale).max(lo).min(hi);
            store(v, zp, out, outOff + i);
        }
        for (; i < n; i++) {
            out[outOff + i] = IntQuantize.round(Math.min(Math.max(x[xOff + i] / scale, lo), hi), zp);
        }
    }

    @Override
    public void quantizeToBytes(float[] x, int xOff, int n, float scale, int zp, int qmin, int qmax, byte[] out, int outOff) {
        float lo = qmin - zp;
        float hi = qmax - zp;
        int i = 0;
        if (BS != null) {
            int bound = FS.loopBound(n);
            for (; i < bound; i += FS.length()) {
                FloatVector v = FloatVector.fromArray(FS, x, xOff + i).div(scale).max(lo).min(hi);
                IntVector q = ((IntVector) v.add(ROUNDING_MAGIC).sub(ROUNDING_MAGIC).convert(VectorOperators.F2I, 0)).add(zp);
                q.convertShape(VectorOperators.I2B, BS, 0).reinterpretAsBytes().intoArray(out, outOff + i);
            }
        }
        for (; i < n; i++) {
            out[outOff + i] = (byte) IntQuantize.round(Math.min(Math.max(x[xOff + i] / scale, lo), hi), zp);
        }
    }

    @Override
    public void requantize(int[] acc, int accOff, int n, int add, float multiplier, int zp, int qmin, int qmax,
            int[] out, int outOff) {
        float lo = qmin - zp;
        float hi = qmax - zp;
        int i = 0;
        int bound = FS.loopBound(n);
        for (; i < bound; i += FS.length()) {
            IntVector a = IntVector.fromArray(IS, acc, accOff + i).add(add);
            FloatVector v = ((FloatVector) a.convert(VectorOperators.I2F, 0)).mul(multiplier).max(lo).min(hi);
            store(v, zp, out, outOff + i);
        }
        for (; i < n; i++) {
            float v = (float) (acc[accOff + i] + add) * multiplier;
            out[outOff + i] = IntQuantize.round(Math.min(Math.max(v, lo), hi), zp);
        }
    }

    /**
     * The clamped product is within a byte type's range, so adding 1.5 * 2^23 rounds it half to even
     * and leaves rint in the low mantissa bits, read as an int without a float to int conversion.
     */
    @Override
    public void requantizeToBytes(int[] acc, int accOff, int n, int add, float multiplier, int zp, int qmin, int qmax,
            byte[] out, int outOff) {
        float lo = qmin - zp;
        float hi = qmax - zp;
        int i = 0;
        if (BS != null) {
            int bias = MAGIC_BITS - zp;
            int bound = FS.loopBound(n);
            for (; i < bound; i += FS.length()) {
                IntVector a = IntVector.fromArray(IS, acc, accOff + i).add(add);
                FloatVector v = ((FloatVector) a.convert(VectorOperators.I2F, 0)).mul(multiplier).max(lo).min(hi);
                IntVector q = v.add(ROUNDING_MAGIC).reinterpretAsInts().sub(bias);
                q.convertShape(VectorOperators.I2B, BS, 0).reinterpretAsBytes().intoArray(out, outOff + i);
            }
        }
        for (; i < n; i++) {
            float v = (float) (acc[accOff + i] + add) * multiplier;
            out[outOff + i] = (byte) IntQuantize.round(Math.min(Math.max(v, lo), hi), zp);
        }
    }

    /**
     * Two routes, equal bit for bit to the scalar definition. When the bias is a float exactly
     * (|add| <= 2^24 or a multiple of a power of two) and every product stays below 2^22 in magnitude,
     * the float sum {@code acc + add} rounds exactly as {@code (float) (int32 sum)} does (IEEE
     * addition rounds the exact sum of two exact operands once, to nearest even, like the int to float
     * conversion); the product plus 1.5 * 2^23 then holds rint(product) in its low mantissa bits, read
     * as an int without a float to int conversion (whose Java NaN/overflow fix-ups are slow on x86),
     * and the clamp runs on ints, where it commutes with the rounding because the bounds are integers.
     * Otherwise the general route converts and clamps in float.
     */
    @Override
    public void requantizeToBytes(float[] acc, int accOff, int n, int add, float multiplier, int zp, int qmin, int qmax,
            byte[] out, int outOff) {
        float lo = qmin - zp;
        float hi = qmax - zp;
        int i = 0;
        if (BS != null) {
            float addF = add;
            boolean viaMagic = (int) addF == add && (EXACT_ACC + Math.abs(addF)) * Math.abs(multiplier) < MAGIC_RANGE;
            int bound = FS.loopBound(n);
            if (viaMagic) {
                int bias = MAGIC_BITS - zp;
                for (; i < bound; i += FS.length()) {
                    FloatVector v = FloatVector.fromArray(FS, acc, accOff + i).add(addF).mul(multiplier).add(ROUNDING_MAGIC);
                    IntVector q = v.reinterpretAsInts().sub(bias).max(qmin).min(qmax);
                    q.convertShape(VectorOperators.I2B, BS, 0).reinterpretAsBytes().intoArray(out, outOff + i);
                }
            } else {
                for (; i < bound; i += FS.length()) {
                    IntVector a = ((IntVector) FloatVector.fromArray(FS, acc, accOff + i).convert(VectorOperators.F2I, 0)).add(add);
                    FloatVector v = ((FloatVector) a.convert(VectorOperators.I2F, 0)).mul(multiplier).max(lo).min(hi);
                    IntVector q = ((IntVector) v.add(ROUNDING_MAGIC).sub(ROUNDING_MAGIC).convert(VectorOperators.F2I, 0)).add(zp);
                    q.convertShape(VectorOperators.I2B, BS, 0).reinterpretAsBytes().intoArray(out, outOff + i);
                }
            }
        }
        for (; i < n; i++) {
            float v = (float) ((int) acc[accOff + i] + add) * multiplier;
            out[outOff + i] = (byte) IntQuantize.round(Math.min(Math.max(v, lo), hi), zp);
        }
    }

    @Override
    public void linearAddToBytes(byte[] a, int ao, byte[] b, int bo, int n, boolean unsigned, float ra, float rb,
            float fixed, byte[] out, int oo) {
        int mask = unsigned ? 0xFF : -1;
        int qmin = unsigned ? 0 : -128;
        int qmax = unsigned ? 255 : 127;
        int i = 0;
        if (BS != null) {
            int bound = FS.loopBound(n);
            FloatVector vra = FloatVector.broadcast(FS, ra);
            for (; i < bound; i += FS.length()) {
                FloatVector va = (FloatVector) ((IntVector) ByteVector.fromArray(BS, a, ao + i)
                        .convertShape(VectorOperators.B2I, IS, 0)).and(mask).convert(VectorOperators.I2F, 0);
                FloatVector vb = (FloatVector) ((IntVector) ByteVector.fromArray(BS, b, bo + i)
                        .convertShape(VectorOperators.B2I, IS, 0)).and(mask).convert(VectorOperators.I2F, 0);
                FloatVector c = va.fma(vra, vb.fma(rb, fixed)).add(ROUNDING_MAGIC);
                IntVector q = c.reinterpretAsInts().sub(MAGIC_BITS).max(qmin).min(qmax);
                q.convertShape(VectorOperators.I2B, BS, 0).reinterpretAsBytes().intoArray(out, oo + i);
            }
        }
        for (; i < n; i++) {
            float c = Math.fma((float) (a[ao + i] & mask), ra, Math.fma((float) (b[bo + i] & mask), rb, fixed));
            out[oo + i] = (byte) Math.min(Math.max((int) Math.rint(c), qmin), qmax);
        }
    }

    @Override
    public void requantizeShifted(float[] y, int off, int n, float[] scale, int sOff, int lanes, float lo, float hi) {
        int i = 0;
        if (lanes == FS.length()) {
            // Every vector starts at a block's first lane: one vector of multipliers serves them all.
            FloatVector s = FloatVector.fromArray(FS, scale, sOff);
            for (int bound = FS.loopBound(n); i < bound; i += FS.length()) {
                FloatVector v = FloatVector.fromArray(FS, y, off + i).mul(s).max(lo).min(hi);
                v.add(ROUNDING_MAGIC).sub(ROUNDING_MAGIC).intoArray(y, off + i);
            }
        }
        for (; i < n; i++) {
            float v = y[off + i] * scale[sOff + i % lanes];
            y[off + i] = (float) Math.rint(Math.min(Math.max(v, lo), hi)) + 0f;
        }
    }

    @Override
    public void linearAddShifted(float[] a, int ao, float[] b, int bo, int n, float za, float zb, float ra, float rb,
            float fixed, float qmin, float qmax, float zc, float[] out, int oo) {
        int i = 0;
        FloatVector vra = FloatVector.broadcast(FS, ra);
        for (int bound = FS.loopBound(n); i < bound; i += FS.length()) {
            FloatVector vb = FloatVector.fromArray(FS, b, bo + i).add(zb);
            FloatVector c = FloatVector.fromArray(FS, a, ao + i).add(za).fma(vra, vb.fma(rb, fixed));
            c.max(qmin).min(qmax).add(ROUNDING_MAGIC).sub(ROUNDING_MAGIC).sub(zc).intoArray(out, oo + i);
        }
        for (; i < n; i++) {
            float c = Math.fma(a[ao + i] + za, ra, Math.fma(b[bo + i] + zb, rb, fixed));
            out[oo + i] = (float) Math.rint(Math.min(Math.max(c, qmin), qmax)) + 0f - zc;
        }
    }

    @Override
    public void shiftedFloats(byte[] x, int xOff, int n, boolean unsigned, int zp, float[] out, int outOff) {
        int mask = unsigned ? 0xFF : -1;
        int i = 0;
        if (BS != null) {
            int bound = FS.loopBound(n);
            for (; i < bound; i += FS.length()) {
                IntVector v = (IntVector) ByteVector.fromArray(BS, x, xOff + i).convertShape(VectorOperators.B2I, IS, 0);
                v.and(mask).sub(zp).convert(VectorOperators.I2F, 0).reinterpretAsFloats().intoArray(out, outOff + i);
            }
        }
        for (; i < n; i++) {
            out[outOff + i] = (x[xOff + i] & mask) - zp;
        }
    }

    private static void store(FloatVector clamped, int zp, int[] out, int off) {
        FloatVector rounded = clamped.add(ROUNDING_MAGIC).sub(ROUNDING_MAGIC);
        ((IntVector) rounded.convert(VectorOperators.F2I, 0)).add(zp).intoArray(out, off);
    }

    @Override
    public void fakeQuantize(float[] src, int off, int len, float[] dst, int dstOff, float scale, float lo, float hi) {
        int i = 0;
        int bound = FS.loopBound(len);
        for (; i < bound; i += FS.length()) {
            FloatVector v = FloatVector.fromArray(FS, src, off + i).div(scale).max(lo).min(hi);
            v.add(ROUNDING_MAGIC).sub(ROUNDING_MAGIC).mul(scale).intoArray(dst, dstOff + i);
        }
        for (; i < len; i++) {
            dst[dstOff + i] = FakeQuantKernels.scalar(src[off + i], scale, lo, hi);
        }
    }

    @Override
    public void fakeQuantizeChannels(float[] src, float[] dst, int off, int channels, float[] scales, float[] lo,
            float[] hi) {
        int c = 0;
        int bound = FS.loopBound(channels);
        for (; c < bound; c += FS.length()) {
            FloatVector s = FloatVector.fromArray(FS, scales, c);
            FloatVector v = FloatVector.fromArray(FS, src, off + c).div(s)
                    .max(FloatVector.fromArray(FS, lo, c)).min(FloatVector.fromArray(FS, hi, c));
            v.add(ROUNDING_MAGIC).sub(ROUNDING_MAGIC).mul(s).intoArray(dst, off + c);
        }
        for (; c < channels; c++) {
            dst[off + c] = FakeQuantKernels.scalar(src[off + c], scales[c], lo[c], hi[c]);
        }
    }
}
