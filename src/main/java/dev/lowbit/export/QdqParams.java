package dev.lowbit.export;

import dev.lowbit.tensor.DType;

/**
 * Quantization parameters as written into a QDQ graph: scales and zero points (one each
 * per tensor, or one per channel along {@code axis}), and the integer type of the quantized values
 * (INT8, UINT8, INT16, UINT16 or INT32 for biases).
 */
public record QdqParams(float[] scales, int[] zeroPoints, int axis, DType type) {
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

    public boolean perChannel() {
        return scales.length > 1 || axis >= 0;
    }

    public static QdqParams perTensor(float scale, int zeroPoint, DType type) {
        return new QdqParams(new float[] {scale}, new int[] {zeroPoint}, -1, type);
    }
}
