package dev.lowbit.tensor.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/** In-place clamp of a float range to [lo, hi]: the epilogue of fused Relu/Clip. */
public final class Clamp {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

    private Clamp() {
    }

    /** x[off, off+len) = min(max(x, lo), hi). */
    public static void apply(float[] x, int off, int len, float lo, float hi) {
        int i = 0;
        int end = S.loopBound(len);
        FloatVector vlo = FloatVector.broadcast(S, lo);
        FloatVector vhi = FloatVector.broadcast(S, hi);
        for (; i < end; i += S.length()) {
            FloatVector.fromArray(S, x, off + i).max(vlo).min(vhi).intoArray(x, off + i);
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
