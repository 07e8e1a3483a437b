package dev.lowbit.tensor.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;

/** In-place clamp of a float range to [lo, hi]: the epilogue of fused Relu/Clip. */
public final class Clamp {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

    private Clamp() {
    }

    /** x[off, off+len) = min(max(x, lo), hi). */
    public static void apply(float[] x, int off, int len, float lo, float hi) {
        FloatVector vlo = FloatVector.broadcast(S, lo);
        FloatVector vhi = FloatVector.broadcast(S, hi);
        // The tail is masked, not scalar: a scalar clamp branches on the sign of the data and
        // mispredicts about half the time on narrow rows.
        int i = 0;
        for (int end = S.loopBound(len); i < end; i += S.length()) {
            FloatVector.fromArray(S, x, off + i).max(vlo).min(vhi).intoArray(x, off + i);
        }
        // (A masked access is only fast when the whole vector lies inside the array.)
        if (i < len && off + i + S.length() <= x.length) {
            VectorMask<Float> m = S.indexInRange(i, len);
            FloatVector.fromArray(S, x, off + i, m).max(vlo).min(vhi).intoArray(x, off + i, m);
            return;
        }
        for (; i < len; i++) {
            x[off + i] = reference(x[off + i], lo, hi);
        }
    }

    /** The scalar definition: NaN stays NaN, as Relu and Clip leave it. */
    public static float reference(float v, float lo, float hi) {
        return v < lo ? lo : (v > hi ? hi : v);
    }
}
