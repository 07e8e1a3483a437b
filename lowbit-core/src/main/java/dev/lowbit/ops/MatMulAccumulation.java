package dev.lowbit.ops;

import dev.lowbit.exec.OpContext;
import dev.lowbit.tensor.Tensor;

/**
 * The exact int32 accumulators {@code sum_k (a - az)(b - bz)} of an 8-bit matmul node
 * (MatMulInteger, QLinearMatMul, MatMulIntegerToFloat), by the fastest exact way the node allows:
 * with a constant 2-D B, the int16-run GEMM ({@link Int16MatMul}) when A's range gives useful runs,
 * else the float kernels on the shifted B ({@link ExactFloatAccumulation}) when their sums stay
 * exact, else the int32 kernels on B packed once at load ({@link IntegerOps.PackedB}). A B that is
 * not a constant (attention's activation x activation products) takes the int32 kernels, packed
 * per call. All ways give the same integers; one place chooses so every op chooses alike.
 */
final class MatMulAccumulation {
    private final IntegerOps.PackedB packed;
    private final ExactFloatAccumulation exact;
    private final Int16MatMul int16;

    private MatMulAccumulation(IntegerOps.PackedB packed, ExactFloatAccumulation exact, Int16MatMul int16) {
        this.packed = packed;
        this.exact = exact;
        this.int16 = int16;
    }

    /** For a node whose B is input {@code bIndex} and B zero point input {@code zeroPointIndex}. */
    static MatMulAccumulation of(OpContext ctx, int bIndex, int zeroPointIndex) {
        return new MatMulAccumulation(IntegerOps.PackedB.of(ctx, bIndex, zeroPointIndex),
                ExactFloatAccumulation.matMul(ctx, bIndex, zeroPointIndex), Int16MatMul.forOp(ctx, bIndex, zeroPointIndex));
    }

    /**
     * The accumulators of A [..., M, K] times B, shaped as the matmul's output: FLOAT (exact
     * integers, from the float kernels) or INT32. {@code az} has 1 or M values, {@code bz} 1 or N;
     * {@code bzTensor} is the run's B zero point input (null if absent), which the load-time paths
     * check they were made for.
     */
    Tensor accumulate(Tensor a, boolean au, int[] az, Tensor b, boolean bu, int[] bz, Tensor bzTensor) {
        IntegerOps.MatMulResult res = az.length == 1 && int16 != null ? int16.multiply(a, au, az[0], b, bzTensor) : null;
        if (res == null && az.length == 1 && exact != null && exact.appliesTo(b, bzTensor, au, az[0])) {
            return exact.accumulate(a, au, az[0]);
        }
        if (res == null) {
            res = IntegerOps.matmul(a, au, az, b, bu, bz, packed == null ? null : packed.packedFor(b, bzTensor));
        }
        return Tensor.of(res.acc(), res.shape());
    }

    /** {@link #accumulate} as int32 values. */
    IntegerOps.MatMulResult accumulateInts(Tensor a, boolean au, int[] az, Tensor b, boolean bu, int[] bz, Tensor bzTensor) {
        Tensor acc = accumulate(a, au, az, b, bu, bz, bzTensor);
        int[] shape = acc.shape();
        int m = a.rank() == 1 ? 1 : a.dim(a.rank() - 2);
        int n = b.rank() == 1 ? 1 : b.dim(b.rank() - 1);
        return new IntegerOps.MatMulResult(ExactFloatAccumulation.toInts(acc), shape, m, n);
    }
}
