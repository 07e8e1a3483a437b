package dev.lowbit.calib;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/** Vectorised min/max over finite values, counting the non-finite ones it skips. */
final class RangeScan {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

    private RangeScan() {
    }

    /**
     * Folds the finite values of {@code a[off, off+len)} into {@code acc[0]} (min) and
     * {@code acc[1]} (max); returns how many values were NaN or infinite.
     */
    static long minMax(float[] a, int off, int len, float[] acc) {
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
}
