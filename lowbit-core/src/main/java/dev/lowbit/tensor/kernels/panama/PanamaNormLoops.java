package dev.lowbit.tensor.kernels.panama;

import dev.lowbit.tensor.kernels.NormLoops;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/** Normalization and softmax rows on the Vector API, with scalar tails. */
final class PanamaNormLoops implements NormLoops {
    private static final VectorSpecies<Float> S = PanamaSpecies.FLOAT;
    private static final int L = S.length();

    @Override
    public void channelAffine(float[] x, float[] y, int off, int len, float[] a, float[] b) {
        int c = 0;
        for (int bound = S.loopBound(len); c < bound; c += S.length()) {
            FloatVector.fromArray(S, x, off + c)
                    .fma(FloatVector.fromArray(S, a, c), FloatVector.fromArray(S, b, c))
                    .intoArray(y, off + c);
        }
        for (; c < len; c++) {
            y[off + c] = x[off + c] * a[c] + b[c];
        }
    }

    @Override
    public void normalize(float[] x, float[] y, int off, int len, float mean, float invStd, float[] scale,
            float[] bias) {
        FloatVector vMean = FloatVector.broadcast(S, mean);
        FloatVector vInv = FloatVector.broadcast(S, invStd);
        int i = 0;
        for (int bound = S.loopBound(len); i < bound; i += S.length()) {
            FloatVector n = FloatVector.fromArray(S, x, off + i).sub(vMean).mul(vInv);
            FloatVector sc = FloatVector.fromArray(S, scale, i);
            FloatVector v = bias == null ? n.mul(sc) : n.fma(sc, FloatVector.fromArray(S, bias, i));
            v.intoArray(y, off + i);
        }
        for (; i < len; i++) {
            float n = (x[off + i] - mean) * invStd * scale[i];
            y[off + i] = bias == null ? n : n + bias[i];
        }
    }

    @Override
    public void scaleShift(float[] x, float[] y, int off, int len, float a, float b) {
        FloatVector va = FloatVector.broadcast(S, a);
        FloatVector vb = FloatVector.broadcast(S, b);
        int i = 0;
        for (int bound = S.loopBound(len); i < bound; i += S.length()) {
            FloatVector.fromArray(S, x, off + i).fma(va, vb).intoArray(y, off + i);
        }
        for (; i < len; i++) {
            y[off + i] = x[off + i] * a + b;
        }
    }

    @Override
    public double squaredDeviation(float[] x, int off, int len, float mean) {
        int i = 0;
        double sum = 0;
        int bound = S.loopBound(len);
        if (bound > 0) {
            FloatVector vMean = FloatVector.broadcast(S, mean);
            FloatVector acc = FloatVector.zero(S);
            for (; i < bound; i += S.length()) {
                FloatVector d = FloatVector.fromArray(S, x, off + i).sub(vMean);
                acc = d.fma(d, acc);
            }
            sum = acc.reduceLanes(VectorOperators.ADD);
        }
        for (; i < len; i++) {
            float d = x[off + i] - mean;
            sum += d * d;
        }
        return sum;
    }

    @Override
    public void softmaxRow(float[] x, float[] out, int off, int len, boolean log) {
        int bound = S.loopBound(len);
        int i = 0;
        FloatVector vmax = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
        for (; i < bound; i += L) {
            vmax = vmax.max(FloatVector.fromArray(S, x, off + i));
        }
        float max = vmax.reduceLanes(VectorOperators.MAX);
        for (; i < len; i++) {
            max = Math.max(max, x[off + i]);
        }
        FloatVector vsum = FloatVector.zero(S);
        i = 0;
        for (; i < bound; i += L) {
            FloatVector e = FloatVector.fromArray(S, x, off + i).sub(max).lanewise(VectorOperators.EXP);
            if (!log) {
                e.intoArray(out, off + i);
            }
            vsum = vsum.add(e);
        }
        float sum = vsum.reduceLanes(VectorOperators.ADD);
        for (; i < len; i++) {
            float e = (float) Math.exp(x[off + i] - max);
            if (!log) {
                out[off + i] = e;
            }
            sum += e;
        }
        i = 0;
        if (log) {
            // (x - max) - log(sum): subtracting max first keeps values near the maximum exact.
            float logSum = (float) Math.log(sum);
            for (; i < bound; i += L) {
                FloatVector.fromArray(S, x, off + i).sub(max).sub(logSum).intoArray(out, off + i);
            }
            for (; i < len; i++) {
                out[off + i] = (x[off + i] - max) - logSum;
            }
        } else {
            float scale = 1f / sum;
            for (; i < bound; i += L) {
                FloatVector.fromArray(S, out, off + i).mul(scale).intoArray(out, off + i);
            }
            for (; i < len; i++) {
                out[off + i] *= scale;
            }
        }
    }
}
