package dev.lowbit.tensor.kernels;

/** The inner loop of {@link UnaryFloatKernels}, obtained from {@link VectorizationProvider}. */
public interface UnaryFloatLoops {
    /**
     * {@code out[i] = f(x[i])} for i in [start, end), f being {@code kind} with parameters p1 and p2
     * ({@link UnaryFloatKernels#scalar} is the definition; vector versions of the transcendental
     * functions may differ from it by a few ulps).
     */
    void run(UnaryFloatKernels.Kind kind, float[] x, float[] out, int start, int end, float p1, float p2);
}
