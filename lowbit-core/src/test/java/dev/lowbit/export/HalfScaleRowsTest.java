package dev.lowbit.export;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lowbit.tensor.DType;
import dev.lowbit.tensor.Tensor;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Embedding rows quantized with float16 scales: exact on the int8 grid of the stored scale. */
class HalfScaleRowsTest {
    private static final QdqParams INT8 = new QdqParams(new float[] {1}, new int[] {0}, 0, DType.INT8, -127, 127);

    @Test
    void valuesAreRoundedHalfToEvenOnTheFloat16ScaleAndSaturated() {
        Random rnd = new Random(3);
        int rows = 64;
        int cols = 24;
        float[] w = new float[rows * cols];
        float[] scales = new float[rows];
        for (int r = 0; r < rows; r++) {
            float max = 0;
            for (int c = 0; c < cols; c++) {
                w[r * cols + c] = (float) (rnd.nextGaussian() * (0.01 + r * 0.05));
                max = Math.max(max, Math.abs(w[r * cols + c]));
            }
            scales[r] = max / 127f;
        }
        w[5] = 2.5f * Float.float16ToFloat(Float.floatToFloat16(scales[0])); // a tie: rounds to even 2
        HalfScaleRows h = HalfScaleRows.of(Tensor.of(w, rows, cols), scales, INT8);
        assertEquals(DType.FLOAT16, h.scales().dtype());
        assertEquals(DType.INT8, h.values().dtype());
        byte[] q = h.values().bytes();
        short[] s = h.scales().shorts();
        for (int r = 0; r < rows; r++) {
            float s16 = Float.float16ToFloat(s[r]);
            assertTrue(Math.abs(s16 - scales[r]) <= scales[r] * 0x1p-11, "row " + r + ": " + s16 + " vs " + scales[r]);
            for (int c = 0; c < cols; c++) {
                int expected = (int) Math.max(-127, Math.min(127, Math.rint(w[r * cols + c] / s16)));
                assertEquals(expected, q[r * cols + c], "row " + r + " col " + c);
            }
        }
        assertEquals(2, q[5], "round half to even");
    }

    @Test
    void fallsBackWhenAScaleLeavesFloat16sNormalRange() {
        float[] w = {1e-7f, -1e-7f, 0.5f, 0.25f};
        assertNull(HalfScaleRows.of(Tensor.of(w, 2, 2), new float[] {1e-7f / 127, 0.5f / 127}, INT8));
        assertNull(HalfScaleRows.of(Tensor.of(new float[] {1e7f, 1}, 1, 2), new float[] {1e7f / 127}, INT8));
        QdqParams zeroPoint = new QdqParams(new float[] {1}, new int[] {3}, 0, DType.INT8, -128, 127);
        assertNull(HalfScaleRows.of(Tensor.of(new float[] {1, 2}, 1, 2), new float[] {2f / 127}, zeroPoint));
    }
}
