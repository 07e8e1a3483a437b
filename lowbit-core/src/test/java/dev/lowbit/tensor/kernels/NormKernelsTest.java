package dev.lowbit.tensor.kernels;

import static dev.lowbit.tensor.kernels.PoolKernelsTest.assertClose;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** The vectorised float normalization kernels against the double reference. */
class NormKernelsTest {
    private final Random rnd = new Random(1234);

    @Test
    void channelAffineMatchesBatchNormReference() {
        for (int iter = 0; iter < 60; iter++) {
            int outer = 1 + rnd.nextInt(4);
            int channels = 1 + rnd.nextInt(40);
            int inner = iter % 3 == 0 ? 1 : 1 + rnd.nextInt(70);
            float[] x = gaussian(outer * channels * inner, 2);
            double[] scale = doubles(channels);
            double[] bias = doubles(channels);
            double[] mean = doubles(channels);
            double[] var = new double[channels];
            float[] a = new float[channels];
            float[] b = new float[channels];
            for (int c = 0; c < channels; c++) {
                var[c] = rnd.nextDouble() * 3;
                double ac = scale[c] / Math.sqrt(var[c] + 1e-5);
                a[c] = (float) ac;
                b[c] = (float) (bias[c] - mean[c] * ac);
            }
            float[] fast = new float[x.length];
            NormFloat.channelAffine(x, fast, outer, channels, inner, a, b);
            double[] ref = new double[x.length];
            NormReference.batchNorm(widen(x), ref, outer, channels, inner, scale, bias, mean, var, 1e-5);
            assertClose(ref, fast, 1e-4, "batch norm");
        }
    }

    @Test
    void layerNormMatchesReference() {
        for (int iter = 0; iter < 60; iter++) {
            int rows = 1 + rnd.nextInt(20);
            int cols = 1 + rnd.nextInt(300);
            float[] x = gaussian(rows * cols, 5);
            double[] scale = doubles(cols);
            double[] bias = iter % 2 == 0 ? doubles(cols) : null;
            float[] fast = new float[x.length];
            float[] mean = new float[rows];
            float[] inv = new float[rows];
            NormFloat.layerNorm(x, fast, rows, cols, floats(scale), bias == null ? null : floats(bias), 1e-5f,
                    mean, inv);
            double[] ref = new double[x.length];
            double[] refMean = new double[rows];
            double[] refInv = new double[rows];
            NormReference.layerNorm(widen(x), ref, rows, cols, scale, bias, 1e-5f, refMean, refInv);
            assertClose(ref, fast, 1e-4, "layer norm");
            assertClose(refMean, mean, 1e-4, "layer norm mean");
            assertClose(refInv, inv, 1e-4, "layer norm inverse std");
        }
    }

    @Test
    void groupNormMatchesReference() {
        for (int iter = 0; iter < 40; iter++) {
            int groups = 1 + rnd.nextInt(4);
            int channels = groups * (1 + rnd.nextInt(4));
            int batch = 1 + rnd.nextInt(3);
            int spatial = 1 + rnd.nextInt(50);
            float[] x = gaussian(batch * channels * spatial, 3);
            double[] scale = doubles(channels);
            double[] bias = doubles(channels);
            float[] fast = new float[x.length];
            NormFloat.groupNorm(x, fast, batch, channels, spatial, groups, floats(scale), floats(bias), 1e-5f);
            double[] ref = new double[x.length];
            NormReference.groupNorm(widen(x), ref, batch, channels, spatial, groups, scale, bias, 1e-5f);
            assertClose(ref, fast, 1e-4, "group norm");
        }
    }

    @Test
    void lrnAndLpNormOnKnownValues() {
        // Two channels, one position: sum of squares covers both channels with size 3.
        double[] y = new double[2];
        NormReference.lrn(new double[] {1, 2}, y, 1, 2, 1, 3, 3, 1, 1);
        assertArrayEquals(new double[] {1 / 6.0, 2 / 6.0}, y, 1e-12);
        double[] out = new double[4];
        NormReference.lpNorm(new double[] {3, 4, 0, 0}, out, 2, 2, 1, 2);
        assertArrayEquals(new double[] {0.6, 0.8, 0, 0}, out, 1e-12);
    }

    private float[] gaussian(int n, double scale) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (rnd.nextGaussian() * scale + 0.5);
        }
        return v;
    }

    private double[] doubles(int n) {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) rnd.nextGaussian();
        }
        return v;
    }

    private static double[] widen(float[] v) {
        double[] out = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = v[i];
        }
        return out;
    }

    private static float[] floats(double[] v) {
        float[] out = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = (float) v[i];
        }
        return out;
    }
}
