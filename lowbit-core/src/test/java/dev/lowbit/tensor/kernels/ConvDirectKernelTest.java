package dev.lowbit.tensor.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The direct convolution (phase planes + register tiles), Vector API and scalar, against a naive
 * convolution over random geometries: odd sizes, strides 1-3, dilations, asymmetric pads, 1x1 to 7x7.
 */
class ConvDirectKernelTest {
    @Test
    void bothKernelsMatchNaiveConvolution() {
        Random rnd = new Random(21);
        ConvDirectKernel[] kernels = {VectorizationProvider.get().directConv(), VectorizationProvider.scalar().directConv()};
        for (int trial = 0; trial < 120; trial++) {
            int c = 1 + rnd.nextInt(trial % 4 == 0 ? 20 : 5);
            int m = 1 + rnd.nextInt(trial % 3 == 0 ? 30 : 9);
            ConvGeometry g = RandomConvGeometry.next(rnd, trial % 5 == 0 ? 7 : 3);
            if (g == null) {
                continue;
            }
            int inH = g.in()[0], inW = g.in()[1], kH = g.kernel()[0], kW = g.kernel()[1];
            float[] x = new float[2 * c * inH * inW + 3];
            float[] w = new float[m * c * kH * kW];
            for (int i = 0; i < x.length; i++) {
                x[i] = rnd.nextFloat() * 2 - 1;
            }
            for (int i = 0; i < w.length; i++) {
                w[i] = rnd.nextFloat() * 2 - 1;
            }
            int xOff = c * inH * inW + 3; // the second image, at an offset
            float[] expected = naive(g, c, m, x, xOff, w);
            for (ConvDirectKernel kernel : kernels) {
                float[] actual = direct(kernel, g, c, m, x, xOff, w);
                for (int i = 0; i < expected.length; i++) {
                    assertEquals(expected[i], actual[i], 1e-4f * (1 + Math.abs(expected[i])), java.util.Arrays.toString(g.in()) + java.util.Arrays.toString(g.kernel()) + java.util.Arrays.toString(g.strides()) + java.util.Arrays.toString(g.dilations()) + java.util.Arrays.toString(g.padBegin()) + java.util.Arrays.toString(g.out()) + " c" + c + " m" + m + " " +
                            "trial " + trial + " " + kernel.getClass().getSimpleName() + " element " + i);
                }
            }
        }
    }

    private static float[] direct(ConvDirectKernel kernel, ConvGeometry g, int c, int m, float[] x, int xOff, float[] w) {
        ConvDirectKernel.Plan p = ConvDirectKernel.Plan.of(g, c);
        int tile = kernel.tile();
        float[] planes = new float[p.planesSize(tile)];
        java.util.Arrays.fill(planes, Float.NaN); // whatever the buffer held must not leak into results
        ConvDirectKernel.buildPlanes(p, x, xOff, planes, tile);
        int panels = (m + ConvDirectKernel.MR - 1) / ConvDirectKernel.MR;
        int positions = p.positions(kernel.granule());
        float[] acc = new float[panels * ConvDirectKernel.MR * positions];
        kernel.compute(p, ConvDirectKernel.packWeights(w, 0, m, p.depth()), panels, planes, 0, positions, acc,
                positions);
        int outH = g.out()[0], outW = g.out()[1];
        float[] y = new float[m * outH * outW];
        for (int f = 0; f < m; f++) {
            for (int oh = 0; oh < outH; oh++) {
                for (int ow = 0; ow < outW; ow++) {
                    y[(f * outH + oh) * outW + ow] = acc[f * positions + oh * p.phW() + ow];
                }
            }
        }
        return y;
    }

    private static float[] naive(ConvGeometry g, int c, int m, float[] x, int xOff, float[] w) {
        int inH = g.in()[0], inW = g.in()[1], kH = g.kernel()[0], kW = g.kernel()[1];
        int outH = g.out()[0], outW = g.out()[1];
        float[] y = new float[m * outH * outW];
        for (int f = 0; f < m; f++) {
            for (int oh = 0; oh < outH; oh++) {
                for (int ow = 0; ow < outW; ow++) {
                    double acc = 0;
                    for (int ci = 0; ci < c; ci++) {
                        for (int kh = 0; kh < kH; kh++) {
                            for (int kw = 0; kw < kW; kw++) {
                                int ih = oh * g.strides()[0] - g.padBegin()[0] + kh * g.dilations()[0];
                                int iw = ow * g.strides()[1] - g.padBegin()[1] + kw * g.dilations()[1];
                                if (ih >= 0 && ih < inH && iw >= 0 && iw < inW) {
                                    acc += (double) w[((f * c + ci) * kH + kh) * kW + kw]
                                            * x[xOff + (ci * inH + ih) * inW + iw];
                                }
                            }
                        }
                    }
                    y[(f * outH + oh) * outW + ow] = (float) acc;
                }
            }
        }
        return y;
    }
}
