package dev.lowbit.tensor.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Vector API depthwise convolution rows: for stride 1 each vector of outputs accumulates all taps
 * in a register (contiguous loads; masked vectors measured slower, so tails are scalar); 3x3 undilated kernels, the
 * MobileNet case, have their taps unrolled. Other strides use the scalar loop.
 */
final class ConvDepthwisePanama extends ConvDepthwiseKernel {
    private static final VectorSpecies<Float> S = PanamaVectorKernels.SPECIES;
    private static final int V = S.length();

    @Override
    void row(Geometry g, float[] s, int src, int wp, float[] w, int wOff, float bias, float[] y, int yOff) {
        if (g.strideW() != 1) {
            rowScalar(g, s, src, wp, w, wOff, bias, y, yOff, 0);
            return;
        }
        int outW = g.outW();
        if (g.kH() == 3 && g.kW() == 3 && g.dilW() == 1) {
            row3x3(s, src, g.dilH() * wp, w, wOff, bias, y, yOff, outW);
            return;
        }
        int kH = g.kH();
        int kW = g.kW();
        int rowStep = g.dilH() * wp;
        int dw = g.dilW();
        FloatVector vb = FloatVector.broadcast(S, bias);
        int ow = 0;
        for (; ow + V <= outW; ow += V) {
            FloatVector acc = vb;
            int base = src + ow;
            for (int kh = 0; kh < kH; kh++) {
                int rowBase = base + kh * rowStep;
                int wRow = wOff + kh * kW;
                for (int kw = 0; kw < kW; kw++) {
                    FloatVector x = FloatVector.fromArray(S, s, rowBase + kw * dw);
                    acc = x.fma(FloatVector.broadcast(S, w[wRow + kw]), acc);
                }
            }
            acc.intoArray(y, yOff + ow);
        }
        rowScalar(g, s, src, wp, w, wOff, bias, y, yOff, ow);
    }

    private static void row3x3(float[] s, int src, int rowStep, float[] w, int wOff, float bias, float[] y, int yOff,
            int outW) {
        FloatVector w0 = FloatVector.broadcast(S, w[wOff]), w1 = FloatVector.broadcast(S, w[wOff + 1]);
        FloatVector w2 = FloatVector.broadcast(S, w[wOff + 2]), w3 = FloatVector.broadcast(S, w[wOff + 3]);
        FloatVector w4 = FloatVector.broadcast(S, w[wOff + 4]), w5 = FloatVector.broadcast(S, w[wOff + 5]);
        FloatVector w6 = FloatVector.broadcast(S, w[wOff + 6]), w7 = FloatVector.broadcast(S, w[wOff + 7]);
        FloatVector w8 = FloatVector.broadcast(S, w[wOff + 8]);
        FloatVector vb = FloatVector.broadcast(S, bias);
        int r0 = src, r1 = src + rowStep, r2 = src + 2 * rowStep;
        int ow = 0;
        for (; ow + V <= outW; ow += V) {
            FloatVector acc = FloatVector.fromArray(S, s, r0 + ow).fma(w0, vb);
            acc = FloatVector.fromArray(S, s, r0 + ow + 1).fma(w1, acc);
            acc = FloatVector.fromArray(S, s, r0 + ow + 2).fma(w2, acc);
            acc = FloatVector.fromArray(S, s, r1 + ow).fma(w3, acc);
            acc = FloatVector.fromArray(S, s, r1 + ow + 1).fma(w4, acc);
            acc = FloatVector.fromArray(S, s, r1 + ow + 2).fma(w5, acc);
            acc = FloatVector.fromArray(S, s, r2 + ow).fma(w6, acc);
            acc = FloatVector.fromArray(S, s, r2 + ow + 1).fma(w7, acc);
            acc = FloatVector.fromArray(S, s, r2 + ow + 2).fma(w8, acc);
            acc.intoArray(y, yOff + ow);
        }
        for (; ow < outW; ow++) {
            int a = r0 + ow, b = r1 + ow, c = r2 + ow;
            y[yOff + ow] = bias + w[wOff] * s[a] + w[wOff + 1] * s[a + 1] + w[wOff + 2] * s[a + 2]
                    + w[wOff + 3] * s[b] + w[wOff + 4] * s[b + 1] + w[wOff + 5] * s[b + 2]
                    + w[wOff + 6] * s[c] + w[wOff + 7] * s[c + 1] + w[wOff + 8] * s[c + 2];
        }
    }
}
