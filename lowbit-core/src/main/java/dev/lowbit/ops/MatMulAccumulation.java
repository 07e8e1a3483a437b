package dev.lowbit.ops;

import dev.lowbit.exec.OpContext;
import dev.lowbit.tensor.BufferPool;
import dev.lowbit.tensor.DType;
import dev.lowbit.tensor.Parallel;
import dev.lowbit.tensor.Tensor;
import dev.lowbit.tensor.kernels.Int16Gemm;
import dev.lowbit.tensor.kernels.IntQuantize;
import java.util.List;
import java.util.function.Supplier;

/**
 * The exact int32 accumulators {@code sum_k (a - az)(b - bz)} of an 8-bit matmul node
 * (MatMulInteger, QLinearMatMul, QGemm, MatMulIntegerToFloat), by the fastest exact way the node
 * allows. With a constant 2-D B there are two fast ways, the int16-run GEMM ({@link Int16MatMul},
 * narrow A and B) and the float kernels on the shifted B ({@link ExactFloatAccumulation}); both give
 * the int32 reference's values bit for bit, so {@link FastestWay} picks by timing them per A shape
 * class (with {@code -Dlowbit.kernel.choice=first} the int16 way's fixed rule,
 * {@link Int16MatMul#wins}, decides instead). Otherwise — a B that is not a constant, as in
 * attention's activation x activation products — both operands are shifted to floats per call and
 * multiplied by the float MatMul when the sums provably stay exact ({@link #bothShifted}), and
 * failing that (or with per-row or per-column zero points) the int32 kernels run, on B packed once
 * at load when it is a constant ({@link IntegerOps.PackedB}). One place chooses, so every op
 * chooses alike.
 */
final class MatMulAccumulation {
    private final IntegerOps.PackedB packed;
    private final ExactFloatAccumulation exact;
    private final Int16MatMul int16;
    private final FastestWay<Tensor> fastest = new FastestWay<>();

    private MatMulAccumulation(IntegerOps.PackedB packed, ExactFloatAccumulation exact, Int16MatMul int16) {
        this.packed = packed;
        this.exact = exact;
        this.int16 = int16;
    }

    /** For a node whose B [K, N] is input {@code bIndex} and B zero point input {@code zeroPointIndex}. */
    static MatMulAccumulation of(OpContext ctx, int bIndex, int zeroPointIndex) {
        return new MatMulAccumulation(IntegerOps.PackedB.of(ctx, bIndex, zeroPointIndex),
                ExactFloatAccumulation.matMul(ctx, bIndex, zeroPointIndex), Int16MatMul.of(ctx, bIndex, zeroPointIndex));
    }

    /**
     * For QGemm's B stored transposed ([N, K], transB = 1): only the float way (which takes B's
     * layout into account once, at load); {@link #fast} then, the caller transposing for the rest.
     */
    static MatMulAccumulation transposed(OpContext ctx, int bIndex, int zeroPointIndex) {
        return new MatMulAccumulation(null, ExactFloatAccumulation.matMul(ctx, bIndex, zeroPointIndex, true), null);
    }

    /**
     * The accumulators by a fast way: FLOAT (exact integers, from the float kernels) or INT32, shaped
     * as the matmul's output; null when neither applies (B or its zero point not the constants these
     * were made from, shapes they reject, A's range too wide for int16 runs and the float sums).
     */
    Tensor fast(Tensor a, boolean au, int az, Tensor b, Tensor bzTensor) {
        boolean measured = FastestWay.measuring();
        boolean exactApplies = exact != null && exact.appliesTo(b, bzTensor, au, az);
        List<Supplier<Tensor>> ways = List.of(
                () -> int16 == null || (!measured && !int16.wins()) ? null : ints(int16.multiply(a, au, az, b, bzTensor)),
                () -> exactApplies ? exact.accumulate(a, au, az) : null);
        return fastest.run(a.shapeRef(), ways);
    }

    /**
     * The accumulators of A [..., M, K] times B [..., K, N], FLOAT (exact integers) or INT32.
     * {@code az} has 1 or M values, {@code bz} 1 or N; {@code bzTensor} is the run's B zero point
     * input (null if absent), which the load-time ways check they were made for.
     */
    Tensor accumulate(Tensor a, boolean au, int[] az, Tensor b, boolean bu, int[] bz, Tensor bzTensor) {
        Tensor acc = az.length == 1 ? fast(a, au, az[0], b, bzTensor) : null;
        if (acc == null && az.length == 1 && bz.length == 1) {
            acc = bothShifted(a, au, az[0], b, bu, bz[0]);
        }
        if (acc != null) {
            return acc;
        }
        return ints(IntegerOps.matmul(a, au, az, b, bu, bz, packed == null ? null : packed.packedFor(b, bzTensor)));
    }

    /**
     * A and B both shifted to floats ({@code a - az}, {@code b - bz}) and multiplied by the float
     * MatMul, when every partial sum provably stays an integer float32 holds exactly:
     * {@code K * max|a - az| * max|b - bz| <= 2^24} on the operands' actual ranges. For products of
     * two activations (attention's Q x K^T and P x V, whose B changes every call): a head's
     * K = 32..128 with 8-bit operands stays far below the bound. Null when the bound fails.
     */
    static Tensor bothShifted(Tensor a, boolean au, int az, Tensor b, boolean bu, int bz) {
        if (a.rank() < 1 || b.rank() < 1) {
            return null;
        }
        int k = a.dim(a.rank() - 1);
        long maxA = Int16Gemm.Range.of(a.bytes(), 0, a.size(), au).including(az).maxAbsFrom(az);
        long maxB = Int16Gemm.Range.of(b.bytes(), 0, b.size(), bu).including(bz).maxAbsFrom(bz);
        if ((double) k * maxA * maxB > ExactFloatAccumulation.EXACT_LIMIT) {
            return null;
        }
        float[] af = shifted(a, au, az);
        float[] bf = shifted(b, bu, bz);
        Tensor y = MatMulOps.matMul("integer MatMul", Tensor.wrap(DType.FLOAT, a.shape(), af),
                Tensor.wrap(DType.FLOAT, b.shape(), bf), null);
        BufferPool.release(af);
        BufferPool.release(bf);
        return y;
    }

    private static float[] shifted(Tensor x, boolean unsigned, int zeroPoint) {
        byte[] xb = x.bytes();
        float[] out = BufferPool.floatsUninitialized(xb.length);
        Parallel.forRange(xb.length, 1 << 16, (start, end) ->
                IntQuantize.shiftedFloats(xb, start, end - start, unsigned, zeroPoint, out, start));
        return out;
    }

    /** {@link #accumulate} as int32 values. */
    IntegerOps.MatMulResult accumulateInts(Tensor a, boolean au, int[] az, Tensor b, boolean bu, int[] bz, Tensor bzTensor) {
        return asInts(accumulate(a, au, az, b, bu, bz, bzTensor), a, b.rank() == 1 ? 1 : b.dim(b.rank() - 1));
    }

    /** FLOAT or INT32 accumulators of A times a B of n columns as int32 values (a FLOAT array goes back to the pool). */
    static IntegerOps.MatMulResult asInts(Tensor acc, Tensor a, int n) {
        int[] shape = acc.shape();
        int m = a.rank() == 1 ? 1 : a.dim(a.rank() - 2);
        return new IntegerOps.MatMulResult(ExactFloatAccumulation.toInts(acc), shape, m, n);
    }

    private static Tensor ints(IntegerOps.MatMulResult r) {
        return r == null ? null : Tensor.of(r.acc(), r.shape());
    }
}
