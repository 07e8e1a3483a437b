package dev.lowbit.tensor.kernels;

/** In-place clamp of a float range to [lo, hi]: the epilogue of fused Relu/Clip. */
public final class Clamp {
    private static final EpilogueLoops LOOPS = VectorizationProvider.get().epilogue();

    private Clamp() {
    }

    /** x[off, off+len) = min(max(x, lo), hi). */
    public static void apply(float[] x, int off, int len, float lo, float hi) {
        LOOPS.clamp(x, off, x, off, len, lo, hi);
    }

    /** The scalar definition: NaN stays NaN, as Relu and Clip leave it. */
    public static float reference(float v, float lo, float hi) {
        return v < lo ? lo : (v > hi ? hi : v);
    }
}
