package dev.lowbit.tensor.kernels.panama;

import dev.lowbit.tensor.kernels.PoolLoops;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/** 2-D pooling rows on the Vector API, vectorised across output columns. */
final class PanamaPoolLoops implements PoolLoops {
    private static final VectorSpecies<Float> S = PanamaSpecies.FLOAT;

    @Override
    public void combineRow(float[] x, int off, float[] row, int w, boolean max) {
        int i = 0;
        int bound = S.loopBound(w);
        for (; i < bound; i += S.length()) {
            FloatVector a = FloatVector.fromArray(S, row, i);
            FloatVector b = FloatVector.fromArray(S, x, off + i);
            (max ? a.lanewise(VectorOperators.MAX, b) : a.add(b)).intoArray(row, i);
        }
        for (; i < w; i++) {
            row[i] = max ? Math.max(row[i], x[off + i]) : row[i] + x[off + i];
        }
    }

    @Override
    public void maxOverPhases(float[] phases, int phW, int sw, int kw, int dw, float[] y, int out, int ow) {
        for (int c = 0; c < ow; c += S.length()) {
            VectorMask<Float> m = S.indexInRange(c, ow);
            FloatVector acc = FloatVector.fromArray(S, phases, c, m);
            for (int j = 1; j < kw; j++) {
                int t = j * dw;
                acc = acc.lanewise(VectorOperators.MAX, FloatVector.fromArray(S, phases, (t % sw) * phW + t / sw + c, m));
            }
            acc.intoArray(y, out + c, m);
        }
    }

    @Override
    public int interiorMax(float[] row, float[] y, int out, int c, int hi, int pl, int kw) {
        int bound = c + S.loopBound(hi - c);
        for (; c < bound; c += S.length()) {
            FloatVector acc = FloatVector.fromArray(S, row, c - pl);
            for (int j = 1; j < kw; j++) {
                acc = acc.lanewise(VectorOperators.MAX, FloatVector.fromArray(S, row, c - pl + j));
            }
            acc.intoArray(y, out + c);
        }
        return c;
    }

    @Override
    public int interiorAverage(float[] row, float[] y, int out, int c, int hi, int pl, int kw, float inv) {
        int bound = c + S.loopBound(hi - c);
        for (; c < bound; c += S.length()) {
            FloatVector acc = FloatVector.fromArray(S, row, c - pl);
            for (int j = 1; j < kw; j++) {
                acc = acc.add(FloatVector.fromArray(S, row, c - pl + j));
            }
            acc.mul(inv).intoArray(y, out + c);
        }
        return c;
    }
}
