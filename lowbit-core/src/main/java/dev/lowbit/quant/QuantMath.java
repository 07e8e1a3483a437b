package dev.lowbit.quant;

import dev.lowbit.tensor.Parallel;
import dev.lowbit.tensor.kernels.IntQuantize;

/**
 * The arithmetic of linear quantization, bit-exact with ONNX Runtime's CPU kernels.
 *
 * <p>Quantize is {@code saturate(rint(x / scale) + zeroPoint)} with the division done in float32
 * (as ORT does) and ties rounded to even; dequantize is {@code float(q - zeroPoint) * scale} in
 * float32. Requantization of an int32 accumulator multiplies in float32 by a multiplier that is
 * itself computed in float32 as {@code (inScale * weightScale) / outScale}.
 *
 * <p>Which scale / zero point applies to an element is described by a {@link Layout}: one for the
 * whole tensor, one per index along an axis, or one per block of {@code blockSize} consecutive
 * indices along an axis (ONNX opset 21).
 */
public final class QuantMath {
    private QuantMath() {
    }

    /**
     * Rounds to the nearest integer, ties to even, like C's {@code nearbyintf} in the default
     * rounding mode. Widening a float to double is exact and rint of a float value is representable
     * as a float, so this equals rounding in float32.
     */
    public static float roundHalfEven(float v) {
        return (float) Math.rint(v);
    }

    /**
     * One value: {@code saturate(rint(x / scale) + zeroPoint)} in [qmin, qmax]. Clamping to
     * [qmin - zp, qmax - zp] before rounding gives the same result (the bounds are integers) and
     * keeps the int conversion in range. NaN quantizes to the zero point; ORT's own result for NaN
     * differs between its vector and scalar paths, so NaN is outside the bit-exactness contract.
     */
    public static int quantize(float x, float scale, int zeroPoint, int qmin, int qmax) {
        return saturateRound(x / scale, zeroPoint, qmin, qmax);
    }

    private static int saturateRound(float v, int zeroPoint, int qmin, int qmax) {
        float clamped = Math.min(Math.max(v, (float) (qmin - zeroPoint)), (float) (qmax - zeroPoint));
        return (int) roundHalfEven(clamped) + zeroPoint;
    }

    /** One value: {@code float(q - zeroPoint) * scale}. */
    public static float dequantize(int q, float scale, int zeroPoint) {
        return (float) (q - zeroPoint) * scale;
    }

    /** The float32 requantization multiplier ORT uses: {@code (inScale * weightScale) / outScale}. */
    public static float multiplier(float inScale, float weightScale, float outScale) {
        return inScale * weightScale / outScale;
    }

    /** An int32 accumulator to the output type: {@code saturate(rint(float(acc) * multiplier) + zeroPoint)}. */
    public static int requantize(int acc, float multiplier, int zeroPoint, int qmin, int qmax) {
        return saturateRound((float) acc * multiplier, zeroPoint, qmin, qmax);
    }

    /**
     * Which scale applies where. A tensor is viewed as [outer, dim, inner] around the quantization
     * axis; the element (o, d, i) uses scale {@code o * outerStride + (d / block) * dimStride + i * innerStride}.
     */
    public record Layout(int outer, int dim, int inner, int block, int outerStride, int dimStride, int innerStride) {
        /** One scale for all {@code n} elements. */
        public static Layout perTensor(int n) {
            return new Layout(1, 1, n, 1, 0, 0, 0);
        }

        /** One scale per index along {@code axis} (already normalised) of {@code shape}. */
        public static Layout perAxis(int[] shape, int axis) {
            return new Layout(prod(shape, 0, axis), shape[axis], prod(shape, axis + 1, shape.length), 1, 0, 1, 0);
        }

        /**
         * One scale per block of {@code block} indices along {@code axis}; the scale tensor has the
         * shape of the data with {@code ceil(shape[axis] / block)} along the axis.
         */
        public static Layout blocked(int[] shape, int axis, int block) {
            if (block <= 0) {
                throw new IllegalArgumentException("block size must be positive, got " + block);
            }
            int inner = prod(shape, axis + 1, shape.length);
            int blocks = (shape[axis] + block - 1) / block;
            return new Layout(prod(shape, 0, axis), shape[axis], inner, block, blocks * inner, inner, 1);
        }

        /** How many scales (and zero points) this layout reads. */
        public int scaleCount() {
            if (outerStride == 0 && dimStride == 0) {
                return 1;
            }
            if (outerStride == 0) {
                return dim;
            }
            return outer * outerStride;
        }

        private static int prod(int[] shape, int from, int to) {
            int n = 1;
            for (int i = from; i < to; i++) {
                n *= shape[i];
            }
            return n;
        }
    }

    /**
     * Quantizes {@code x} into {@code out}; {@code zeroPoints} may be null (all zero). Values
     * saturate to [qmin, qmax].
     */
    public static void quantize(float[] x, Layout l, float[] scales, int[] zeroPoints, int qmin, int qmax, int[] out) {
        checkCounts(l, scales, zeroPoints, x.length);
        if (l.scaleCount() == 1) {
            float s = scales[0];
            int z = zeroPoints == null ? 0 : zeroPoints[0];
            Parallel.forRange(x.length, 1 << 15, (start, end) -> IntQuantize.quantize(x, start, end - start, s, z, qmin, qmax, out, start));
            return;
        }
        int p = 0;
        for (int o = 0; o < l.outer; o++) {
            for (int d = 0; d < l.dim; d++) {
                int base = o * l.outerStride + (d / l.block) * l.dimStride;
                if (l.innerStride == 0) {
                    IntQuantize.quantize(x, p, l.inner, scales[base], zeroPoints == null ? 0 : zeroPoints[base], qmin, qmax, out, p);
                    p += l.inner;
                } else {
                    for (int i = 0; i < l.inner; i++, p++) {
                        int k = base + i;
                        out[p] = quantize(x[p], scales[k], zeroPoints == null ? 0 : zeroPoints[k], qmin, qmax);
                    }
                }
            }
        }
    }

    /** Dequantizes {@code q} into {@code out}; {@code zeroPoints} may be null (all zero). */
    public static void dequantize(int[] q, Layout l, float[] scales, int[] zeroPoints, float[] out) {
        checkCounts(l, scales, zeroPoints, q.length);
        int p = 0;
        for (int o = 0; o < l.outer; o++) {
            for (int d = 0; d < l.dim; d++) {
                int base = o * l.outerStride + (d / l.block) * l.dimStride;
                for (int i = 0; i < l.inner; i++, p++) {
                    int k = base + i * l.innerStride;
                    out[p] = dequantize(q[p], scales[k], zeroPoints == null ? 0 : zeroPoints[k]);
                }
            }
        }
    }

    /**
     * {@link #dequantize(int[], Layout, float[], int[], float[])} of 8-bit values read straight from
     * their bytes (unsigned or signed), the same float arithmetic element by element. A layout with
     * one scale per run of {@code inner} elements (per tensor, per axis) takes a loop per run that
     * the JIT vectorises: an int8 embedding table dequantized on every run was ten times slower
     * through the int array.
     */
    public static void dequantize(byte[] q, boolean unsigned, Layout l, float[] scales, int[] zeroPoints, float[] out) {
        checkCounts(l, scales, zeroPoints, q.length);
        if (l.innerStride != 0) {
            int[] widened = new int[q.length];
            for (int i = 0; i < q.length; i++) {
                widened[i] = unsigned ? q[i] & 0xFF : q[i];
            }
            dequantize(widened, l, scales, zeroPoints, out);
            return;
        }
        for (int o = 0, p = 0; o < l.outer; o++) {
            for (int d = 0; d < l.dim; d++, p += l.inner) {
                int k = o * l.outerStride + (d / l.block) * l.dimStride;
                float scale = scales[k];
                int zeroPoint = zeroPoints == null ? 0 : zeroPoints[k];
                if (unsigned) {
                    for (int i = p; i < p + l.inner; i++) {
                        out[i] = (float) ((q[i] & 0xFF) - zeroPoint) * scale;
                    }
                } else {
                    for (int i = p; i < p + l.inner; i++) {
                        out[i] = (float) (q[i] - zeroPoint) * scale;
                    }
                }
            }
        }
    }

    /** Fake quantization: quantize then dequantize, element by element. */
    public static void fakeQuantize(float[] x, Layout l, float[] scales, int[] zeroPoints, int qmin, int qmax, float[] out) {
        int[] q = new int[x.length];
        quantize(x, l, scales, zeroPoints, qmin, qmax, q);
        dequantize(q, l, scales, zeroPoints, out);
    }

    /** Scale and zero point chosen by ONNX DynamicQuantizeLinear for uint8. */
    public record DynamicParams(float scale, int zeroPoint) {
    }

    /**
     * DynamicQuantizeLinear's parameters: the range [min(0, min x), max(0, max x)] mapped onto
     * [0, 255]: {@code scale = (max - min) / 255} (1 when the range is empty, as in ONNX Runtime),
     * {@code zeroPoint = saturate(rint(0 - min / scale))}.
     */
    public static DynamicParams dynamicUint8(float[] x) {
        float min = 0f;
        float max = 0f;
        for (float v : x) {
            min = Math.min(min, v);
            max = Math.max(max, v);
        }
        // An all-zero input would give scale 0; ONNX Runtime uses 1 there so the zero point stays defined.
        float scale = max == min ? 1f : (max - min) / 255f;
        float zp = roundHalfEven(0f - min / scale);
        int z = Float.isNaN(zp) ? 0 : (int) Math.max(0f, Math.min(255f, zp));
        return new DynamicParams(scale, z);
    }

    private static void checkCounts(Layout l, float[] scales, int[] zeroPoints, int n) {
        if ((long) l.outer * l.dim * l.inner != n) {
            throw new IllegalArgumentException("layout covers " + (long) l.outer * l.dim * l.inner + " elements, data has " + n);
        }
        int need = l.scaleCount();
        if (scales.length != need || (zeroPoints != null && zeroPoints.length != need)) {
            throw new IllegalArgumentException("layout needs " + need + " scales and zero points, got "
                    + scales.length + (zeroPoints == null ? "" : " and " + zeroPoints.length));
        }
    }
}
