package dev.lowbit.quant;

import dev.lowbit.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FakeQuantTest {
    private static float[] randomData(Random r, int n, float spread) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) (r.nextGaussian() * spread);
            if (i % 17 == 0) {
                x[i] = Math.round(x[i] * 4) / 4f; // exact ties at half steps for scale 0.5
            }
        }
        x[0] = Float.POSITIVE_INFINITY;
        x[1] = Float.NEGATIVE_INFINITY;
        x[2] = -0.1f;
        return x;
    }

    @Test
    void roundsHalfToEvenAndSaturates() {
        // scale 1, int8: 0.5 -> 0, 1.5 -> 2, 2.5 -> 2, -0.5 -> 0, -1.5 -> -2, 300 -> 127, -300 -> -128
        float[] x = {0.5f, 1.5f, 2.5f, -0.5f, -1.5f, 300f, -300f, 126.5f, 7f};
        float[] y = new float[x.length];
        FakeQuant.perTensor(x, 0, x.length, y, 0, 1f, 0, -128, 127);
        assertArrayEquals(new float[] {0, 2, 2, 0, -2, 127, -128, 126, 7}, y);
        // uint8 with zero point 10: codes clamp at 0 -> value -10
        FakeQuant.perTensor(x, 0, x.length, y, 0, 1f, 10, 0, 255);
        assertEquals(-10f, y[6]);
        assertEquals(245f, y[5]);
    }

    @Test
    void nanStaysNan() {
        float[] x = new float[40];
        x[3] = Float.NaN;
        x[37] = Float.NaN;
        float[] y = new float[40];
        FakeQuant.perTensor(x, 0, 40, y, 0, 0.1f, 3, 0, 255);
        assertTrue(Float.isNaN(y[3]) && Float.isNaN(y[37]));
        assertEquals(0f, y[0]);
    }

    @Test
    void vectorPathMatchesScalarReferencePerTensor() {
        Random r = new Random(7);
        for (int n : new int[] {1, 7, 8, 33, 1000, 70001}) {
            float[] x = randomData(r, Math.max(n, 3), 20);
            float[] y = new float[x.length];
            float scale = 0.5f;
            int z = 7;
            FakeQuant.perTensor(x, 0, x.length, y, 0, scale, z, -128, 127);
            for (int i = 0; i < x.length; i++) {
                assertEquals(FakeQuant.reference(x[i], scale, z, -128, 127), y[i], 0f, "n=" + n + " i=" + i);
            }
        }
    }

    @Test
    void perAxisMatchesReference() {
        Random r = new Random(11);
        int[][] shapes = {{5, 3, 4, 4}, {6, 19}, {2, 3, 35}, {4, 2, 3}};
        for (int[] shape : shapes) {
            for (int axis = 0; axis < shape.length; axis++) {
                int n = 1;
                for (int d : shape) {
                    n *= d;
                }
                float[] x = randomData(r, n, 3);
                int c = shape[axis];
                float[] scales = new float[c];
                int[] zps = new int[c];
                for (int k = 0; k < c; k++) {
                    scales[k] = 0.01f + r.nextFloat() * 0.1f;
                    zps[k] = r.nextInt(256);
                }
                float[] y = new float[n];
                FakeQuant.perAxis(x, y, shape, axis, scales, zps, 0, 255);
                int inner = 1;
                for (int d = axis + 1; d < shape.length; d++) {
                    inner *= shape[d];
                }
                for (int i = 0; i < n; i++) {
                    int ch = (i / inner) % c;
                    assertEquals(FakeQuant.reference(x[i], scales[ch], zps[ch], 0, 255), y[i], 0f,
                            "axis " + axis + " i " + i);
                }
            }
        }
    }

    @Test
    void applyOnTensors() {
        Tensor w = Tensor.of(new float[] {0.1f, -0.26f, 1f, 2f, -4f, 0.3f}, 2, 3);
        QuantParams p = QuantParams.fromRanges(QuantScheme.symmetricPerChannel(8, true, 0),
                new float[] {-0.26f, -4f}, new float[] {1f, 2f});
        Tensor y = FakeQuant.apply(w, p);
        assertArrayEquals(new int[] {2, 3}, y.shape());
        float s0 = 1f / 127;
        assertEquals(Math.rint(0.1f / s0) * s0, y.floats()[0], 1e-7f);
        assertEquals(-4f, y.floats()[4], 1e-6f);
        Tensor t = FakeQuant.apply(w, QuantParams.fromRange(QuantScheme.symmetric(8, true), -4, 4));
        assertEquals(2f, t.floats()[3], 0.02f);
    }
}
