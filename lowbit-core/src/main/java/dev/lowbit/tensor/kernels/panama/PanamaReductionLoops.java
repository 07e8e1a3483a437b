package dev.lowbit.tensor.kernels.panama;

import dev.lowbit.tensor.kernels.ReduceFloatKernels;
import dev.lowbit.tensor.kernels.ReduceKernels;
import dev.lowbit.tensor.kernels.ReductionLoops;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Float reductions on the Vector API: partial results in vector lanes, combined at the end (sums
 * with {@link Lanes#sum}, in a fixed order), then a scalar tail.
 */
final class PanamaReductionLoops implements ReductionLoops {
    private static final VectorSpecies<Float> S = PanamaSpecies.FLOAT;
    private static final int L = S.length();

    @Override
    public double sum(float[] x, int off, int len) {
        int i = 0;
        double sum = 0;
        int bound = S.loopBound(len);
        if (bound > 0) {
            FloatVector acc = FloatVector.zero(S);
            for (; i < bound; i += S.length()) {
                acc = acc.add(FloatVector.fromArray(S, x, off + i));
            }
            sum = Lanes.sum(acc);
        }
        for (; i < len; i++) {
            sum += x[off + i];
        }
        return sum;
    }

    @Override
    public float max(float[] x, int off, int len) {
        int i = 0;
        float m = Float.NEGATIVE_INFINITY;
        int bound = S.loopBound(len);
        if (bound > 0) {
            FloatVector acc = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
            for (; i < bound; i += S.length()) {
                acc = acc.lanewise(VectorOperators.MAX, FloatVector.fromArray(S, x, off + i));
            }
            m = acc.reduceLanes(VectorOperators.MAX);
        }
        for (; i < len; i++) {
            m = Math.max(m, x[off + i]);
        }
        return m;
    }

    @Override
    public float reduce(ReduceKernels.Kind kind, float[] x, int off, int len) {
        int i = 0;
        int bound = S.loopBound(len);
        FloatVector acc = FloatVector.broadcast(S, ReduceFloatKernels.initial(kind));
        float r;
        switch (kind) {
            case MAX -> {
                for (; i < bound; i += L) {
                    acc = acc.max(FloatVector.fromArray(S, x, off + i));
                }
                r = acc.reduceLanes(VectorOperators.MAX);
            }
            case MIN -> {
                for (; i < bound; i += L) {
                    acc = acc.min(FloatVector.fromArray(S, x, off + i));
                }
                r = acc.reduceLanes(VectorOperators.MIN);
            }
            case SUM_SQUARE, L2 -> {
                for (; i < bound; i += L) {
                    FloatVector v = FloatVector.fromArray(S, x, off + i);
                    acc = v.fma(v, acc);
                }
                r = Lanes.sum(acc);
            }
            case L1 -> {
                for (; i < bound; i += L) {
                    acc = acc.add(FloatVector.fromArray(S, x, off + i).abs());
                }
                r = Lanes.sum(acc);
            }
            default -> {
                for (; i < bound; i += L) {
                    acc = acc.add(FloatVector.fromArray(S, x, off + i));
                }
                r = Lanes.sum(acc);
            }
        }
        for (; i < len; i++) {
            r = ReduceFloatKernels.step(kind, r, x[off + i]);
        }
        return r;
    }

    @Override
    public long minMaxFinite(float[] a, int off, int len, float[] acc) {
        FloatVector vmin = FloatVector.broadcast(S, Float.POSITIVE_INFINITY);
        FloatVector vmax = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
        long bad = 0;
        int i = 0;
        int bound = S.loopBound(len);
        for (; i < bound; i += S.length()) {
            FloatVector v = FloatVector.fromArray(S, a, off + i);
            VectorMask<Float> finite = v.test(VectorOperators.IS_FINITE);
            if (finite.allTrue()) {
                vmin = vmin.min(v);
                vmax = vmax.max(v);
            } else {
                bad += S.length() - finite.trueCount();
                vmin = vmin.min(v.blend(Float.POSITIVE_INFINITY, finite.not()));
                vmax = vmax.max(v.blend(Float.NEGATIVE_INFINITY, finite.not()));
            }
        }
        float mn = Math.min(acc[0], vmin.reduceLanes(VectorOperators.MIN));
        float mx = Math.max(acc[1], vmax.reduceLanes(VectorOperators.MAX));
        for (; i < len; i++) {
            float v = a[off + i];
            if (Float.isFinite(v)) {
                mn = Math.min(mn, v);
                mx = Math.max(mx, v);
            } else {
                bad++;
            }
        }
        acc[0] = mn;
        acc[1] = mx;
        return bad;
    }

    @Override
    public void dotAndSquares(float[] r, float[] t, int off, int len, double[] acc) {
        int bound = S.loopBound(len);
        FloatVector dot = FloatVector.zero(S);
        FloatVector rr = FloatVector.zero(S);
        FloatVector tt = FloatVector.zero(S);
        int j = 0;
        for (; j < bound; j += S.length()) {
            FloatVector a = FloatVector.fromArray(S, r, off + j);
            FloatVector b = FloatVector.fromArray(S, t, off + j);
            dot = a.fma(b, dot);
            rr = a.fma(a, rr);
            tt = b.fma(b, tt);
        }
        double d = Lanes.sum(dot);
        double x = Lanes.sum(rr);
        double y = Lanes.sum(tt);
        for (; j < len; j++) {
            float a = r[off + j];
            float b = t[off + j];
            d += a * b;
            x += a * a;
            y += b * b;
        }
        acc[0] += d;
        acc[1] += x;
        acc[2] += y;
    }
}
