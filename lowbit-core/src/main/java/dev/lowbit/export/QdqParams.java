package dev.lowbit.export;

import dev.lowbit.tensor.DType;

/**
 * Quantization parameters as written into a QDQ graph: scales and zero points (one each
 * per tensor, or one per channel along {@code axis}), and the integer type of the quantized values
 * (INT8, UINT8, INT16, UINT16 or INT32 for biases), and the integer range actually used, which is
 * narrower than the storage type's for sub-byte bit widths or narrow-range schemes.
 */
public record QdqParams(float[] scales, int[] zeroPoints, int axis, DType type, int qmin, int qmax) {
    /** Parameters whose integer range is the whole storage type. */
    public QdqParams(float[] scales, int[] zeroPoints, int axis, DType type) {
        this(scales, zeroPoints, axis, type, (int) Math.max(Integer.MIN_VALUE, type.minValue()),
                (int) Math.min(Integer.MAX_VALUE, type.maxValue()));
    }

    public QdqParams {
        if (scales.length != zeroPoints.length || scales.length == 0) {
            throw new IllegalArgumentException("need one zero point per scale");
        }
        for (float s : scales) {
            if (!(s > 0) || Float.isInfinite(s)) {
                throw new IllegalArgumentException("scale must be finite and positive, got " + s);
            }
        }
    }

    /** Whether the used range is narrower than what the storage type saturates to. */
    public boolean narrowerThanStorage() {
        return qmin > type.minValue() || qmax < type.maxValue();
    }

    public boolean perChannel() {
        return scales.length > 1 || axis >= 0;
    }

    public static QdqParams perTensor(float scale, int zeroPoint, DType type) {
        return new QdqParams(new float[] {scale}, new int[] {zeroPoint}, -1, type);
    }
}
