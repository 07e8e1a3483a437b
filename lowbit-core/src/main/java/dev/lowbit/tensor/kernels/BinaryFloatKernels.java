package dev.lowbit.tensor.kernels;

import dev.lowbit.tensor.BufferPool;
import dev.lowbit.tensor.Shapes;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * float32 binary arithmetic with numpy broadcasting. Each {@link BroadcastPlan} row is one of
 * vector-vector, vector-scalar or scalar-vector, all run as contiguous Vector API loops with a
 * scalar tail. {@link #reference} is the element-by-element definition the tests compare against.
 * (The per-op loops are spelled out because a Vector API operator passed as a variable is not
 * intrinsified by the JIT.)
 */
public final class BinaryFloatKernels {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();

    /** The vectorised ops. PRELU is {@code a < 0 ? a * b : a} (b is the slope). */
    public enum Op { ADD, SUB, MUL, DIV, MIN, MAX, PRELU }

    private BinaryFloatKernels() {
    }

    /** {@code op(a, b)} broadcast to {@code plan.outShape()}, written into a new array. */
    public static float[] apply(Op op, float[] a, float[] b, BroadcastPlan plan) {
        float[] out = BufferPool.floats(Shapes.size(plan.outShape()));
        int as = plan.aInnerStride();
        int bs = plan.bInnerStride();
        plan.forRows((ao, bo, oo, n) -> row(op, a, ao, as, b, bo, bs, out, oo, n));
        return out;
    }

    /** The scalar definition of {@code op}. */
    public static float scalar(Op op, float a, float b) {
        return switch (op) {
            case ADD -> a + b;
            case SUB -> a - b;
            case MUL -> a * b;
            case DIV -> a / b;
            case MIN -> Math.min(a, b);
            case MAX -> Math.max(a, b);
            case PRELU -> a < 0 ? a * b : a;
        };
    }

    /** Reference: one element at a time through the slow broadcast index mapping. */
    public static float[] reference(Op op, float[] a, int[] aShape, float[] b, int[] bShape) {
        int[] out = Shapes.broadcast(aShape, bShape);
        float[] r = BufferPool.floats(Shapes.size(out));
        for (int i = 0; i < r.length; i++) {
            r[i] = scalar(op, a[BroadcastPlan.referenceIndex(i, out, aShape)],
                    b[BroadcastPlan.referenceIndex(i, out, bShape)]);
        }
        return r;
    }

    /** One row: a read with stride {@code as} (0 or 1), b with {@code bs}, n outputs from {@code oo}. */
    static void row(Op op, float[] a, int ao, int as, float[] b, int bo, int bs, float[] o, int oo, int n) {
        int i = 0;
        if ((as | bs) != 0) {
            int bound = S.loopBound(n);
            switch (op) {
                case ADD -> {
                    if (as == 1 && bs == 1) {
                        for (; i < bound; i += L) {
                            FloatVector x = FloatVector.fromArray(S, a, ao + i);
                            FloatVector y = FloatVector.fromArray(S, b, bo + i);
                            x.add(y).intoArray(o, oo + i);
                        }
                    } else if (as == 1) {
                        FloatVector yb = FloatVector.broadcast(S, b[bo]);
                        for (; i < bound; i += L) {
                            FloatVector x = FloatVector.fromArray(S, a, ao + i);
                            FloatVector y = yb;
                            x.add(y).intoArray(o, oo + i);
                        }
                    } else {
                        FloatVector xb = FloatVector.broadcast(S, a[ao]);
                        for (; i < bound; i += L) {
                            FloatVector x = xb;
                            FloatVector y = FloatVector.fromArray(S, b, bo + i);
                            x.add(y).intoArray(o, oo + i);
                        }
                    }
                }
                case SUB -> {
                    if (as == 1 && bs == 1) {
                        for (; i < bound; i += L) {
                            FloatVector x = FloatVector.fromArray(S, a, ao + i);
                            FloatVector y = FloatVector.fromArray(S, b, bo + i);
                            x.sub(y).intoArray(o, oo + i);
                        }
                    } else if (as == 1) {
                        FloatVector yb = FloatVector.broadcast(S, b[bo]);
                        for (; i < bound; i += L) {
                            FloatVector x = FloatVector.fromArray(S, a, ao + i);
                            FloatVector y = yb;
                            x.sub(y).intoArray(o, oo + i);
                        }
                    } else {
                        FloatVector xb = FloatVector.broadcast(S, a[ao]);
                        for (; i < bound; i += L) {
                            FloatVector x = xb;
                            FloatVector y = FloatVector.fromArray(S, b, bo + i);
                            x.sub(y).intoArray(o, oo + i);
                        }
                    }
                }
                case MUL -> {
                    if (as == 1 && bs == 1) {
                        for (; i < bound; i += L) {
                            FloatVector x = FloatVector.fromArray(S, a, ao + i);
                            FloatVector y = FloatVector.fromArray(S, b, bo + i);
                            x.mul(y).intoArray(o, oo + i);
                        }
                    } else if (as == 1) {
                        FloatVector yb = FloatVector.broadcast(S, b[bo]);
                        for (; i < bound; i += L) {
                            FloatVector x = FloatVector.fromArray(S, a, ao + i);
                            FloatVector y = yb;
                            x.mul(y).intoArray(o, oo + i);
                        }
                    } else {
                        FloatVector xb = FloatVector.broadcast(S, a[ao]);
                        for (; i < bound; i += L) {
                            FloatVector x = xb;
                            FloatVector y = FloatVector.fromArray(S, b, bo + i);
                            x.mul(y).intoArray(o, oo + i);
                        }
                    }
                }
                case DIV -> {
                    if (as == 1 && bs == 1) {
                        for (; i < bound; i += L) {
                            FloatVector x = FloatVector.fromArray(S, a, ao + i);
                            FloatVector y = FloatVector.fromArray(S, b, bo + i);
                            x.div(y).intoArray(o, oo + i);
                        }
                    } else if (as == 1) {
                        FloatVector yb = FloatVector.broadcast(S, b[bo]);
                        for (; i < bound; i += L) {
                            FloatVector x = FloatVector.fromArray(S, a, ao + i);
                            FloatVector y = yb;
                            x.div(y).intoArray(o, oo + i);
                        }
                    } else {
                        FloatVector xb = FloatVector.broadcast(S, a[ao]);
                        for (; i < bound; i += L) {
                            FloatVector x = xb;
                            FloatVector y = FloatVector.fromArray(S, b, bo + i);
                            x.div(y).intoArray(o, oo + i);
                        }
                    }
                }
                case MIN -> {
                    if (as == 1 && bs == 1) {
                        for (; i < bound; i += L) {
                            FloatVector x = FloatVector.fromArray(S, a, ao + i);
                            FloatVector y = FloatVector.fromArray(S, b, bo + i);
                            x.min(y).intoArray(o, oo + i);
                        }
                    } else if (as == 1) {
                        FloatVector yb = FloatVector.broadcast(S, b[bo]);
                        for (; i < bound; i += L) {
                            FloatVector x = FloatVector.fromArray(S, a, ao + i);
                            FloatVector y = yb;
                            x.min(y).intoArray(o, oo + i);
                        }
                    } else {
                        FloatVector xb = FloatVector.broadcast(S, a[ao]);
                        for (; i < bound; i += L) {
                            FloatVector x = xb;
                            FloatVector y = FloatVector.fromArray(S, b, bo + i);
                            x.min(y).intoArray(o, oo + i);
                        }
                    }
                }
                case MAX -> {
                    if (as == 1 && bs == 1) {
                        for (; i < bound; i += L) {
                            FloatVector x = FloatVector.fromArray(S, a, ao + i);
                            FloatVector y = FloatVector.fromArray(S, b, bo + i);
                            x.max(y).intoArray(o, oo + i);
                        }
                    } else if (as == 1) {
                        FloatVector yb = FloatVector.broadcast(S, b[bo]);
                        for (; i < bound; i += L) {
                            FloatVector x = FloatVector.fromArray(S, a, ao + i);
                            FloatVector y = yb;
                            x.max(y).intoArray(o, oo + i);
                        }
                    } else {
                        FloatVector xb = FloatVector.broadcast(S, a[ao]);
                        for (; i < bound; i += L) {
                            FloatVector x = xb;
                            FloatVector y = FloatVector.fromArray(S, b, bo + i);
                            x.max(y).intoArray(o, oo + i);
                        }
                    }
                }
                case PRELU -> {
                    if (as == 1 && bs == 1) {
                        for (; i < bound; i += L) {
                            FloatVector x = FloatVector.fromArray(S, a, ao + i);
                            FloatVector y = FloatVector.fromArray(S, b, bo + i);
                            x.blend(x.mul(y), x.lt(0f)).intoArray(o, oo + i);
                        }
                    } else if (as == 1) {
                        FloatVector yb = FloatVector.broadcast(S, b[bo]);
                        for (; i < bound; i += L) {
                            FloatVector x = FloatVector.fromArray(S, a, ao + i);
                            FloatVector y = yb;
                            x.blend(x.mul(y), x.lt(0f)).intoArray(o, oo + i);
                        }
                    } else {
                        FloatVector xb = FloatVector.broadcast(S, a[ao]);
                        for (; i < bound; i += L) {
                            FloatVector x = xb;
                            FloatVector y = FloatVector.fromArray(S, b, bo + i);
                            x.blend(x.mul(y), x.lt(0f)).intoArray(o, oo + i);
                        }
                    }
                }
            }
        }
        for (; i < n; i++) {
            o[oo + i] = scalar(op, a[ao + i * as], b[bo + i * bs]);
        }
    }
}
