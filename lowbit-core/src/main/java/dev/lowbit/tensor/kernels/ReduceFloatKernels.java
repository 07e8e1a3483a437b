package dev.lowbit.tensor.kernels;

import dev.lowbit.tensor.BufferPool;
import dev.lowbit.tensor.Parallel;
import java.util.Arrays;

/**
 * float32 fast path for reductions whose reduced axes form one contiguous block, i.e. the input
 * is {@code [outer, len, inner]} reduced over {@code len}: the LayerNorm-style last-axis case
 * (inner == 1) reduces contiguous rows with the provider's {@link ReductionLoops} (vectors when
 * available), other cases add whole inner rows at a time.
 * Accumulates in float, like common runtimes; {@link ReduceKernels} is the double reference.
 */
public final class ReduceFloatKernels {
    private static final ReductionLoops LOOPS = VectorizationProvider.get().reductions();

    private ReduceFloatKernels() {
    }

    /** Whether {@code kind} has a fast path here. */
    public static boolean supports(ReduceKernels.Kind kind) {
        return switch (kind) {
            case SUM, MEAN, MAX, MIN, SUM_SQUARE, L1, L2 -> true;
            default -> false;
        };
    }

    /** Reduces {@code x} viewed as [outer, len, inner] over len; returns outer * inner values. */
    public static float[] reduce(ReduceKernels.Kind kind, float[] x, int outer, int len, int inner) {
        float[] out = BufferPool.floats(outer * inner);
        int grain = Math.max(1, 16384 / Math.max(1, len * inner));
        Parallel.forRange(outer, grain, (s, e) -> {
            for (int o = s; o < e; o++) {
                if (inner == 1) {
                    out[o] = finish(kind, LOOPS.reduce(kind, x, o * len, len), len);
                } else {
                    block(kind, x, o * len * inner, len, inner, out, o * inner);
                }
            }
        });
        return out;
    }

    /** The accumulator's starting value for {@code kind} (the identity of its step). */
    public static float initial(ReduceKernels.Kind kind) {
        return switch (kind) {
            case MAX -> Float.NEGATIVE_INFINITY;
            case MIN -> Float.POSITIVE_INFINITY;
            default -> 0f;
        };
    }

    private static float finish(ReduceKernels.Kind kind, float acc, int len) {
        return switch (kind) {
            case MEAN -> acc / len;
            case L2 -> (float) Math.sqrt(acc);
            default -> acc;
        };
    }

    /** The scalar definition of one accumulation step of {@code kind}: acc combined with v. */
    public static float step(ReduceKernels.Kind kind, float acc, float v) {
        return switch (kind) {
            case MAX -> Math.max(acc, v);
            case MIN -> Math.min(acc, v);
            case SUM_SQUARE, L2 -> acc + v * v;
            case L1 -> acc + Math.abs(v);
            default -> acc + v;
        };
    }

    /** One [len, inner] block: accumulate each inner position across len (inner rows are contiguous). */
    private static void block(ReduceKernels.Kind kind, float[] x, int base, int len, int inner, float[] out, int oo) {
        Arrays.fill(out, oo, oo + inner, initial(kind));
        for (int l = 0; l < len; l++) {
            int off = base + l * inner;
            for (int j = 0; j < inner; j++) {
                out[oo + j] = step(kind, out[oo + j], x[off + j]);
            }
        }
        for (int j = 0; j < inner; j++) {
            out[oo + j] = finish(kind, out[oo + j], len);
        }
    }
}
