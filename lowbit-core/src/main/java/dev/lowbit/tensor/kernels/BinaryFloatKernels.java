package dev.lowbit.tensor.kernels;

import dev.lowbit.tensor.BufferPool;
import dev.lowbit.tensor.Shapes;

/**
 * float32 binary arithmetic with numpy broadcasting. Each {@link BroadcastPlan} row is one of
 * vector-vector, vector-scalar or scalar-vector, run by the provider's {@link BinaryFloatLoops}
 * (contiguous Vector API loops when available). {@link #reference} is the element-by-element
 * definition the tests compare against.
 */
public final class BinaryFloatKernels {
    private static final BinaryFloatLoops LOOPS = VectorizationProvider.get().binaryFloat();

    /** The vectorised ops. PRELU is {@code a < 0 ? a * b : a} (b is the slope). */
    public enum Op { ADD, SUB, MUL, DIV, MIN, MAX, PRELU }

    private BinaryFloatKernels() {
    }

    /** {@code op(a, b)} broadcast to {@code plan.outShape()}, written into a new array. */
    public static float[] apply(Op op, float[] a, float[] b, BroadcastPlan plan) {
        float[] out = BufferPool.floats(Shapes.size(plan.outShape()));
        int as = plan.aInnerStride();
        int bs = plan.bInnerStride();
        plan.forRows((ao, bo, oo, n) -> LOOPS.row(op, a, ao, as, b, bo, bs, out, oo, n));
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
}
