package dev.lowbit.quant;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lowbit.quant.QuantMath.Layout;
import java.util.Random;
import org.junit.jupiter.api.Test;

class QuantMathTest {
    @Test
    void roundsHalfToEven() {
        float[] in = {0.5f, 1.5f, 2.5f, -0.5f, -1.5f, -2.5f, 2.4999998f, 3.5f, 1e9f + 0.5f};
        float[] expected = {0f, 2f, 2f, -0f, -2f, -2f, 2f, 4f, 1e9f};
        for (int i = 0; i < in.length; i++) {
            assertEquals(expected[i], QuantMath.roundHalfEven(in[i]), "rint(" + in[i] + ")");
        }
    }

    @Test
    void quantizeSaturatesAndAddsZeroPoint() {
        assertEquals(255, QuantMath.quantize(1000f, 1f, 0, 0, 255));
        assertEquals(0, QuantMath.quantize(-1000f, 1f, 0, 0, 255));
        assertEquals(130, QuantMath.quantize(2.5f, 1f, 128, 0, 255));
        assertEquals(-128, QuantMath.quantize(-3f, 0.01f, 0, -128, 127));
        assertEquals(127, QuantMath.quantize(Float.POSITIVE_INFINITY, 0.1f, -5, -128, 127));
        assertEquals(-1, QuantMath.quantize(-0.75f, 0.5f, 1, -128, 127)); // -1.5 -> -2, + 1
    }

    /**
     * The quotient must be rounded to float before rint, as ORT does. Finds inputs where a double
     * quotient rounds differently and checks the float semantics win.
     */
    @Test
    void divisionHappensInFloat32() {
        Random r = new Random(40);
        int differing = 0;
        for (int i = 0; i < 2_000_000 && differing < 20; i++) {
            float scale = 0.001f + r.nextFloat();
            float x = (r.nextInt(400) - 200 + 0.5f) * scale;
            float floatQuotient = x / scale;
            long viaDouble = (long) Math.rint((double) x / (double) scale);
            long viaFloat = (long) Math.rint(floatQuotient);
            int q = QuantMath.quantize(x, scale, 0, -100_000, 100_000);
            assertEquals(viaFloat, q, x + " / " + scale);
            if (viaDouble != viaFloat) {
                differing++;
            }
        }
        assertTrue(differing > 0, "no input distinguished float from double division");
    }

    @Test
    void requantizeUsesFloatProductAndMultiplier() {
        float m = QuantMath.multiplier(0.02f, 0.011f, 0.09f);
        assertEquals(0.02f * 0.011f / 0.09f, m);
        assertEquals(Math.round(1000 * m) + 3, QuantMath.requantize(1000, m, 3, 0, 255));
        assertEquals(2, QuantMath.requantize(5, 0.5f, 0, 0, 255));   // 2.5 -> 2
        assertEquals(4, QuantMath.requantize(7, 0.5f, 0, 0, 255));   // 3.5 -> 4
        assertEquals(255, QuantMath.requantize(1 << 30, 0.5f, 0, 0, 255));
        assertEquals(-128, QuantMath.requantize(-1 << 30, 0.5f, 0, -128, 127));
    }

    @Test
    void layoutsPickTheRightScale() {
        int[] shape = {2, 5, 3};
        Layout axis = Layout.perAxis(shape, 1);
        assertEquals(5, axis.scaleCount());
        Layout blocked = Layout.blocked(shape, 1, 2);
        assertEquals(2 * 3 * 3, blocked.scaleCount());
        float[] x = new float[30];
        java.util.Arrays.fill(x, 1f);
        float[] scales = new float[18];
        for (int i = 0; i < scales.length; i++) {
            scales[i] = 1f / (i + 1);
        }
        int[] q = new int[30];
        QuantMath.quantize(x, blocked, scales, null, -1000, 1000, q);
        // Element (o, d, i) uses scale index o*9 + (d/2)*3 + i, so q = that index + 1.
        for (int o = 0; o < 2; o++) {
            for (int d = 0; d < 5; d++) {
                for (int i = 0; i < 3; i++) {
                    assertEquals(o * 9 + (d / 2) * 3 + i + 1, q[(o * 5 + d) * 3 + i]);
                }
            }
        }
        float[] back = new float[30];
        QuantMath.dequantize(q, blocked, scales, null, back);
        for (float v : back) {
            assertEquals(1f, v, 1e-6f);
        }
        QuantMath.quantize(x, axis, new float[] {1f, 0.5f, 0.25f, 0.2f, 0.1f}, new int[] {0, 1, 2, 3, 4}, 0, 255, q);
        assertArrayEquals(new int[] {1, 1, 1, 3, 3, 3, 6, 6, 6, 8, 8, 8, 14, 14, 14}, java.util.Arrays.copyOf(q, 15));
    }

    @Test
    void dynamicParametersMatchOnnxExample() {
        // From the ONNX DynamicQuantizeLinear documentation example.
        QuantMath.DynamicParams p = QuantMath.dynamicUint8(new float[] {0f, 2f, -3f, -2.5f, 1.34f, 0.5f});
        assertEquals(0.019607844f, p.scale());
        assertEquals(153, p.zeroPoint());
        assertEquals(1f, QuantMath.dynamicUint8(new float[] {0f, 0f}).scale());
        assertEquals(0, QuantMath.dynamicUint8(new float[] {1f, 5f}).zeroPoint());
        assertEquals(255, QuantMath.dynamicUint8(new float[] {-1f, -5f}).zeroPoint());
    }
    /** The byte dequantize equals the int one bit for bit: per tensor, per axis and blocked, u8 and s8, with and without zero points. */
    @Test
    void byteDequantizeEqualsIntDequantize() {
        Random r = new Random(31);
        int[] shape = {3, 5, 7};
        int n = 3 * 5 * 7;
        Layout[] layouts = {Layout.perTensor(n), Layout.perAxis(shape, 0),
            Layout.perAxis(shape, 1), Layout.perAxis(shape, 2), Layout.blocked(shape, 2, 3)};
        for (Layout l : layouts) {
            for (boolean unsigned : new boolean[] {true, false}) {
                byte[] q = new byte[n];
                r.nextBytes(q);
                int[] widened = new int[n];
                for (int i = 0; i < n; i++) {
                    widened[i] = unsigned ? q[i] & 0xFF : q[i];
                }
                float[] scales = new float[l.scaleCount()];
                int[] zps = new int[l.scaleCount()];
                for (int i = 0; i < scales.length; i++) {
                    scales[i] = 1e-3f + r.nextFloat() * 0.1f;
                    zps[i] = (unsigned ? 0 : -128) + r.nextInt(256);
                }
                for (int[] zp : new int[][] {zps, null}) {
                    float[] expected = new float[n];
                    float[] got = new float[n];
                    QuantMath.dequantize(widened, l, scales, zp, expected);
                    QuantMath.dequantize(q, unsigned, l, scales, zp, got);
                    assertArrayEquals(expected, got, 0f, l + " unsigned " + unsigned + " zp " + (zp != null));
                }
            }
        }
    }
}
