package dev.lowbit.tensor.kernels;

import dev.lowbit.tensor.BufferPool;
import dev.lowbit.tensor.Parallel;

/**
 * float32 elementwise activations, split across cores for big tensors and run by the provider's
 * {@link UnaryFloatLoops} (Vector API loops when available). {@link #scalar} is the reference
 * definition (computed in double where that is simpler) that the tests compare the loops with.
 */
public final class UnaryFloatKernels {
    private static final UnaryFloatLoops LOOPS = VectorizationProvider.get().unaryFloat();

    /** The vectorised functions; p1 and p2 are their parameters where they have any. */
    public enum Kind {
        /** max(x, 0) */
        RELU,
        /** x < 0 ? alpha*x : x (p1 = alpha) */
        LEAKY_RELU,
        /** 1 / (1 + e^-x) */
        SIGMOID,
        /** tanh */
        TANH,
        /** min(max(x, p1), p2) */
        CLIP,
        /** clamp(p1*x + p2, 0, 1) */
        HARD_SIGMOID,
        /** x * clamp(x/6 + 1/2, 0, 1) */
        HARD_SWISH,
        /** the error function */
        ERF,
        /** 0.5 x (1 + erf(x / sqrt 2)) */
        GELU,
        /** 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))) */
        GELU_TANH,
    }

    private UnaryFloatKernels() {
    }

    /** {@code kind} applied to every element of {@code x}, into a new array. */
    public static float[] apply(Kind kind, float[] x, float p1, float p2) {
        float[] out = BufferPool.floats(x.length);
        Parallel.forRange(x.length, 1 << 14, (s, e) -> LOOPS.run(kind, x, out, s, e, p1, p2));
        return out;
    }

    /** The scalar definition of {@code kind}. */
    public static float scalar(Kind kind, float x, float p1, float p2) {
        return switch (kind) {
            case RELU -> Math.max(x, 0f);
            case LEAKY_RELU -> x < 0 ? x * p1 : x;
            case SIGMOID -> (float) (1.0 / (1.0 + Math.exp(-x)));
            case TANH -> (float) Math.tanh(x);
            case CLIP -> Math.min(Math.max(x, p1), p2);
            case HARD_SIGMOID -> Math.min(Math.max(p1 * x + p2, 0f), 1f);
            case HARD_SWISH -> x * Math.min(Math.max(x / 6f + 0.5f, 0f), 1f);
            case ERF -> (float) UnaryMath.erf(x);
            case GELU -> (float) (0.5 * x * (1 + UnaryMath.erf(x / Math.sqrt(2))));
            case GELU_TANH -> (float) (0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x))));
        };
    }

    /** Reference: the scalar definition, element by element. */
    public static float[] reference(Kind kind, float[] x, float p1, float p2) {
        float[] out = BufferPool.floats(x.length);
        for (int i = 0; i < x.length; i++) {
            out[i] = scalar(kind, x[i], p1, p2);
        }
        return out;
    }
}
