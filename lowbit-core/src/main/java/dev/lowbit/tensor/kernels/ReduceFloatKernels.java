package dev.lowbit.tensor.kernels;

import dev.lowbit.tensor.BufferPool;
import dev.lowbit.tensor.Parallel;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * float32 fast path for reductions whose reduced axes form one contiguous block, i.e. the input
 * is {@code [outer, len, inner]} reduced over {@code len}: the LayerNorm-style last-axis case
 * (inner == 1) sums contiguous rows with vectors, other cases add whole inner rows at a time.
 * Accumulates in float, like common runtimes; {@link ReduceKernels} is the double reference.
 */
public final class ReduceFloatKernels {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();

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
                    out[o] = finish(kind, row(kind, x, o * len, len), len);
                } else {
                    block(kind, x, o * len * inner, len, inner, out, o * inner);
                }
            }
        });
        return out;
    }

    private static float init(ReduceKernels.Kind kind) {
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

    private static float row(ReduceKernels.Kind kind, float[] x, int off, int len) {
        int i = 0;
        int bound = S.loopBound(len);
        FloatVector acc = FloatVector.broadcast(S, init(kind));
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
            r = step(kind, r, x[off + i]);
        }
        return r;
    }

    private static float step(ReduceKernels.Kind kind, float acc, float v) {
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
        java.util.Arrays.fill(out, oo, oo + inner, init(kind));
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
