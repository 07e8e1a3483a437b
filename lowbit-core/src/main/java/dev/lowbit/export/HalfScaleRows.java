package dev.lowbit.export;

import dev.lowbit.tensor.DType;
import dev.lowbit.tensor.Tensor;
import java.util.Arrays;

/**
 * An embedding table quantized to int8 rows whose scales are stored as float16: a table of 30,522
 * rows saves 61 KB of scales, and the error stays inside the int8 grid because the values are
 * quantized with the float16 scale itself (round half to even, saturated), not with the float one
 * the scale was rounded from. The runtime gathers a row's scale and casts it to float, so lowbit's
 * engine and ONNX Runtime compute the same products.
 */
record HalfScaleRows(Tensor values, Tensor scales) {
    /**
     * The table [rows, cols] quantized to {@code params}' integer range with its per-row
     * {@code scales} rounded to float16; null when that cannot be exact: a scale below float16's
     * normal range or above 65504, storage other than int8, or a zero point.
     */
    static HalfScaleRows of(Tensor table, float[] scales, QdqParams params) {
        if (params.type() != DType.INT8 || (params.zeroPoints() != null
                && Arrays.stream(params.zeroPoints()).anyMatch(z -> z != 0))) {
            return null;
        }
        int rows = table.dim(0);
        int cols = table.dim(1);
        short[] half = new short[rows];
        for (int r = 0; r < rows; r++) {
            half[r] = Float.floatToFloat16(scales[r]);
            float back = Float.float16ToFloat(half[r]);
            if (!(back >= 0x1p-14f) || Float.isInfinite(back)) {
                return null;
            }
        }
        float[] w = table.floats();
        byte[] q = new byte[rows * cols];
        for (int r = 0; r < rows; r++) {
            float s = Float.float16ToFloat(half[r]);
            for (int c = r * cols; c < (r + 1) * cols; c++) {
                q[c] = (byte) Math.max(params.qmin(), Math.min(params.qmax(), Math.rint(w[c] / s)));
            }
        }
        return new HalfScaleRows(Tensor.wrap(DType.INT8, new int[] {rows, cols}, q),
                Tensor.wrap(DType.FLOAT16, new int[] {rows, 1}, half));
    }
}
