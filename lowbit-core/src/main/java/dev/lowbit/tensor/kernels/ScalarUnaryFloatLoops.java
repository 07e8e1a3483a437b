package dev.lowbit.tensor.kernels;

import dev.lowbit.tensor.kernels.UnaryFloatKernels.Kind;

/** Float activations in plain Java: {@link UnaryFloatKernels#scalar} element by element. */
final class ScalarUnaryFloatLoops implements UnaryFloatLoops {
    @Override
    public void run(Kind kind, float[] x, float[] out, int start, int end, float p1, float p2) {
        for (int i = start; i < end; i++) {
            out[i] = UnaryFloatKernels.scalar(kind, x[i], p1, p2);
        }
    }
}
