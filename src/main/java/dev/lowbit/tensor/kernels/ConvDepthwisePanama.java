package dev.lowbit.tensor.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Vector API depthwise convolution rows: for stride 1 each vector of outputs accumulates all taps
 * in a register (contiguous loads); other strides use the scalar loop.
 */
final class ConvDepthwisePanama extends ConvDepthwiseKernel {
    private static final VectorSpecies<Float> S = PanamaVectorKernels.SPECIES;
    private static final int V = S.length();

    @Override
    void row(Geometry g, float[] s, int src, int wp, float[] w, int wOff, float bias, float[] y, int yOff) {
        int ow = 0;
        if (g.strideW() == 1) {
            int kH = g.kH();
            int kW = g.kW();
            int rowStep = g.dilH() * wp;
            int dw = g.dilW();
            FloatVector vb = FloatVector.broadcast(S, bias);
            for (; ow + V <= g.outW(); ow += V) {
                FloatVector acc = vb;
                int base = src + ow;
                for (int kh = 0; kh < kH; kh++) {
                    int rowBase = base + kh * rowStep;
                    int wRow = wOff + kh * kW;
                    for (int kw = 0; kw < kW; kw++) {
                        acc = FloatVector.fromArray(S, s, rowBase + kw * dw).fma(FloatVector.broadcast(S, w[wRow + kw]), acc);
                    }
                }
                acc.intoArray(y, yOff + ow);
            }
        }
        rowScalar(g, s, src, wp, w, wOff, bias, y, yOff, ow);
    }
}
