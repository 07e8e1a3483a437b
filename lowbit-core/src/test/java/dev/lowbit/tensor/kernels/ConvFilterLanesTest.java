package dev.lowbit.tensor.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lowbit.tensor.Parallel;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The filter-lane convolution, Vector API (the machine's width) and scalar (8 lanes), against a
 * naive convolution in double: random geometries (odd maps, strides 1-3, dilations, asymmetric
 * pads, kernels 1x1 to 5x5, filters that fill their last block partly), bias, a fused residual
 * and clamp, 1 to 4 images (images in parallel, or one image's rows) on 1, 2 and 3 threads;
 * float inputs, and 8-bit ones shifted by a zero point as the phase planes are built.
 */
class ConvFilterLanesTest {
    @Test
    void bothKernelsMatchNaiveConvolution() {
        Random rnd = new Random(31);
        ConvFilterLanesKernel[] kernels = {VectorizationProvider.get().filterLanesConv(),
            VectorizationProvider.scalar().filterLanesConv()};
        int before = Parallel.threads();
        int ran = 0;
        try {
            for (int trial = 0; trial < 80; trial++) {
                int c = 1 + rnd.nextInt(trial % 4 == 0 ? 40 : 6);
                int m = 16 + rnd.nextInt(trial % 3 == 0 ? 60 : 20);
                ConvGeometry g = RandomConvGeometry.next(rnd, trial % 5 == 0 ? 5 : 3);
                if (g == null) {
                    continue;
                }
                int inH = g.in()[0], inW = g.in()[1], kH = g.kernel()[0], kW = g.kernel()[1];
                int batch = 1 + rnd.nextInt(4);
                // Every third geometry reads 8-bit values shifted by a zero point, converted as the
                // phase planes are built (a quantized convolution's exact accumulation).
                boolean bytes = trial % 3 == 2;
                boolean unsigned = rnd.nextBoolean();
                int zp = unsigned ? rnd.nextInt(256) : rnd.nextInt(256) - 128;
                byte[] xb = new byte[batch * c * inH * inW];
                rnd.nextBytes(xb);
                float[] x = bytes ? shifted(xb, unsigned, zp) : random(rnd, batch * c * inH * inW);
                ConvDirectKernel.PlaneSource source = bytes ? ConvDirectKernel.PlaneSource.shifted(xb, unsigned, zp)
                        : ConvDirectKernel.PlaneSource.of(x);
                float[] w = random(rnd, m * c * kH * kW);
                float[] bias = trial % 2 == 0 ? random(rnd, m) : null;
                float[] residual = trial % 3 == 1 ? random(rnd, batch * m * g.outSize()) : null;
                boolean clamp = trial % 4 == 3;
                double[] expected = naive(g, batch, c, m, x, w, bias, residual, clamp);
                for (ConvFilterLanesKernel kernel : kernels) {
                    for (int threads : new int[] {1, 2, 3}) {
                        Parallel.setThreads(threads);
                        float[] y = new float[expected.length];
                        Arrays.fill(y, Float.NaN);
                        ConvFilterLanes.run(kernel, ConvDirectKernel.Plan.of(g, c),
                                ConvFilterLanes.packWeights(w, m, c * kH * kW, kernel.lanes()),
                                ConvFilterLanes.packBias(bias, m, kernel.lanes()), source, batch, m, y, residual,
                                clamp, -0.5f, 0.75f);
                        for (int i = 0; i < expected.length; i++) {
                            assertEquals(expected[i], y[i], 1e-4 * (1 + Math.abs(expected[i])), "trial " + trial + " "
                                    + kernel.getClass().getSimpleName() + " threads " + threads + " " + g + " c" + c
                                    + " m" + m + " batch " + batch + " element " + i);
                        }
                    }
                }
                ran++;
            }
        } finally {
            Parallel.setThreads(before);
        }
        assertTrue(ran >= 50, "only " + ran + " geometries ran");
    }

    private static float[] shifted(byte[] b, boolean unsigned, int zp) {
        float[] v = new float[b.length];
        for (int i = 0; i < v.length; i++) {
            v[i] = (unsigned ? b[i] & 0xFF : b[i]) - zp;
        }
        return v;
    }

    private static float[] random(Random rnd, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = rnd.nextFloat() * 2 - 1;
        }
        return v;
    }

    private static double[] naive(ConvGeometry g, int batch, int c, int m, float[] x, float[] w, float[] bias,
            float[] residual, boolean clamp) {
        int inH = g.in()[0], inW = g.in()[1], kH = g.kernel()[0], kW = g.kernel()[1];
        int outH = g.out()[0], outW = g.out()[1];
        double[] y = new double[batch * m * outH * outW];
        for (int n = 0; n < batch; n++) {
            for (int f = 0; f < m; f++) {
                for (int oh = 0; oh < outH; oh++) {
                    for (int ow = 0; ow < outW; ow++) {
                        double s = bias == null ? 0 : bias[f];
                        for (int ch = 0; ch < c; ch++) {
                            for (int i = 0; i < kH; i++) {
                                for (int j = 0; j < kW; j++) {
                                    int ih = oh * g.strides()[0] + i * g.dilations()[0] - g.padBegin()[0];
                                    int iw = ow * g.strides()[1] + j * g.dilations()[1] - g.padBegin()[1];
                                    if (ih >= 0 && ih < inH && iw >= 0 && iw < inW) {
                                        s += (double) w[((f * c + ch) * kH + i) * kW + j]
                                                * x[((n * c + ch) * inH + ih) * inW + iw];
                                    }
                                }
                            }
                        }
                        int o = ((n * m + f) * outH + oh) * outW + ow;
                        if (residual != null) {
                            s += residual[o];
                        }
                        y[o] = clamp ? Math.min(Math.max(s, -0.5), 0.75) : s;
                    }
                }
            }
        }
        return y;
    }
}
