package dev.lowbit.tensor.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import org.junit.jupiter.api.Test;

class SoftmaxKernelsTest {
    @Test
    void vectorAndStridedPathsMatchReference() {
        Random rnd = new Random(99);
        int[][] shapes = {{1, 1, 1}, {3, 17, 1}, {4, 100, 1}, {2, 5, 7}, {3, 33, 4}, {64, 300, 1}, {1, 3, 200}};
        for (int[] s : shapes) {
            float[] x = new float[s[0] * s[1] * s[2]];
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) (rnd.nextGaussian() * 10);
            }
            for (boolean log : new boolean[] {false, true}) {
                float[] want = SoftmaxKernels.reference(x, s[0], s[1], s[2], log);
                float[] got = SoftmaxKernels.apply(x, s[0], s[1], s[2], log);
                for (int i = 0; i < x.length; i++) {
                    assertEquals(want[i], got[i], 1e-6 + 1e-5 * Math.abs(want[i]), "log=" + log + " index " + i);
                }
            }
        }
    }

    @Test
    void hugeInputsDoNotOverflow() {
        float[] got = SoftmaxKernels.apply(new float[] {1000f, 1000f}, 1, 2, 1, false);
        assertEquals(0.5f, got[0]);
        assertEquals(0.5f, got[1]);
    }
}
