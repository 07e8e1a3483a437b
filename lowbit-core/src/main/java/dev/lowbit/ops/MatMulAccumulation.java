package dev.lowbit.ops;

import dev.lowbit.exec.OpContext;
import dev.lowbit.tensor.Tensor;
import java.util.List;
import java.util.function.Supplier;

/**
 * The exact accumulators {@code sum_k (a - az)(b - bz)} of an 8-bit matmul with a constant 2-D B
 * (QLinearMatMul, MatMulInteger, QGemm) by the faster of the engine's exact ways for the input at
 * hand: int16 runs ({@link Int16MatMul}, narrow A and B) or the float kernels
 * ({@link ExactFloatAccumulation}). Both give the int32 reference's values bit for bit, so
 * {@link FastestWay} picks by timing them per A shape; with {@code -Dlowbit.kernel.choice=first}
 * the int16 way's fixed rule ({@link Int16MatMul#MIN_COLUMNS}) decides instead.
 */
final class MatMulAccumulation {
    private final ExactFloatAccumulation exact;
    private final Int16MatMul int16;
    private final FastestWay<IntegerOps.MatMulResult> fastest = new FastestWay<>();

    private MatMulAccumulation(ExactFloatAccumulation exact, Int16MatMul int16) {
        this.exact = exact;
        this.int16 = int16;
    }

    /**
     * For the node of {@code ctx} with B at input {@code bIndex} ([K, N], or [N, K] when
     * {@code transposed}: the int16 way then does not apply) and its zero point at
     * {@code zeroPointIndex}; null when neither way can be prepared (B not a constant).
     */
    static MatMulAccumulation of(OpContext ctx, int bIndex, int zeroPointIndex, boolean transposed) {
        ExactFloatAccumulation exact = ExactFloatAccumulation.matMul(ctx, bIndex, zeroPointIndex, transposed);
        Int16MatMul int16 = transposed ? null : Int16MatMul.of(ctx, bIndex, zeroPointIndex);
        return exact == null && int16 == null ? null : new MatMulAccumulation(exact, int16);
    }

    /**
     * The accumulators of A (zero point az) times B (zero point tensor bzT) with B's {@code n}
     * columns, or null when no fast way applies (other tensors than the constants these were made
     * from, shapes they reject) and the caller runs the int32 reference kernels.
     */
    IntegerOps.MatMulResult accumulate(Tensor a, boolean au, int az, Tensor b, Tensor bzT, int n) {
        boolean measured = FastestWay.measuring();
        boolean exactApplies = exact != null && exact.appliesTo(b, bzT, au, az);
        List<Supplier<IntegerOps.MatMulResult>> ways = List.of(
                () -> int16 == null || (!measured && !int16.wins()) ? null : int16.multiply(a, au, az, b, bzT),
                () -> exactApplies ? IntegerOps.exactMatmul(exact, a, au, az, n) : null);
        return fastest.run(a.shapeRef(), ways);
    }
}
