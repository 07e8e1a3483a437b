package dev.lowbit.tensor.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.lowbit.tensor.Tensor;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ReduceKernelsTest {
    private static final Tensor X = Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 2, 3);

    @Test
    void knownValues() {
        boolean[] rows = {false, true};
        assertArrayEquals(new float[] {6, 15}, ReduceKernels.reduce(ReduceKernels.Kind.SUM, X, rows, false).floats());
        assertArrayEquals(new float[] {2, 5}, ReduceKernels.reduce(ReduceKernels.Kind.MEAN, X, rows, true).floats());
        assertArrayEquals(new int[] {2, 1}, ReduceKernels.reduce(ReduceKernels.Kind.MEAN, X, rows, true).shape());
        boolean[] cols = {true, false};
        assertArrayEquals(new float[] {4, 10, 18}, ReduceKernels.reduce(ReduceKernels.Kind.PROD, X, cols, false).floats());
        assertArrayEquals(new float[] {1, 2, 3}, ReduceKernels.reduce(ReduceKernels.Kind.MIN, X, cols, false).floats());
        assertEquals((float) Math.sqrt(91), ReduceKernels.reduce(ReduceKernels.Kind.L2, X, new boolean[] {true, true}, false).floats()[0]);
        Tensor ints = Tensor.of(new long[] {7, -3, 4, 9}, 2, 2);
        assertArrayEquals(new long[] {5, 3}, ReduceKernels.reduce(ReduceKernels.Kind.MEAN, ints, cols, false).longs());
    }

    @Test
    void logSumExpMatchesNaive() {
        Random rnd = new Random(5);
        float[] x = new float[4 * 5 * 6];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) rnd.nextGaussian();
        }
        Tensor t = Tensor.of(x, 4, 5, 6);
        float[] got = ReduceKernels.reduce(ReduceKernels.Kind.LOG_SUM_EXP, t, new boolean[] {true, false, true}, false).floats();
        for (int j = 0; j < 5; j++) {
            double s = 0;
            for (int i = 0; i < 4; i++) {
                for (int k = 0; k < 6; k++) {
                    s += Math.exp(x[(i * 5 + j) * 6 + k]);
                }
            }
            assertEquals(Math.log(s), got[j], 1e-5);
        }
    }
}
