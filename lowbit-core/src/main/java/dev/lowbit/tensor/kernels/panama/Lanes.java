package dev.lowbit.tensor.kernels.panama;

import jdk.incubator.vector.FloatVector;

/**
 * Horizontal sums in a fixed order. {@code reduceLanes(ADD)} on floats leaves the order open, and
 * the JDK's compiled intrinsic and its Java fallback do use different orders, so one launch gave
 * results 1 ulp apart depending on when C2 compiled the loop (ResNet's GlobalAveragePool, seen in
 * BufferRecyclingTest). Lane by lane, left to right, is the same in every mode.
 */
final class Lanes {
    private Lanes() {
    }

    /** Σ lanes of {@code v}, lane 0 first. */
    static float sum(FloatVector v) {
        float s = 0;
        for (int i = 0; i < v.length(); i++) {
            s += v.lane(i);
        }
        return s;
    }
}
