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

    @Test
    void floatFastPathMatchesDoubleReference() {
        Random rnd = new Random(11);
        int[][] shapes = {{3, 4, 5}, {2, 1, 70}, {1, 33}, {6, 7, 8, 9}};
        for (int[] shape : shapes) {
            float[] x = new float[dev.lowbit.tensor.Shapes.size(shape)];
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) rnd.nextGaussian();
            }
            Tensor t = Tensor.of(x, shape);
            Tensor d = Tensor.wrap(dev.lowbit.tensor.DType.DOUBLE, shape, java.util.stream.IntStream.range(0, x.length)
                    .mapToDouble(i -> x[i]).toArray());
            for (int mask = 1; mask < (1 << shape.length); mask++) {
                boolean[] reduced = new boolean[shape.length];
                for (int a = 0; a < shape.length; a++) {
                    reduced[a] = (mask & (1 << a)) != 0;
                }
                for (ReduceKernels.Kind k : ReduceKernels.Kind.values()) {
                    float[] got = ReduceKernels.reduce(k, t, reduced, true).floats();
                    double[] want = ReduceKernels.reduce(k, d, reduced, true).doubles();
                    for (int i = 0; i < got.length; i++) {
                        if (Double.isNaN(want[i])) {
                            assertEquals(Float.NaN, got[i], k + " mask " + mask); // log of a negative sum
                        } else {
                            assertEquals(want[i], got[i], 1e-5 + 1e-5 * Math.abs(want[i]), k + " mask " + mask);
                        }
                    }
                }
            }
        }
    }
}
