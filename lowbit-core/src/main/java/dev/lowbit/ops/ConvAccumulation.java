package dev.lowbit.ops;

import dev.lowbit.exec.OpContext;
import dev.lowbit.tensor.Tensor;
import java.util.List;
import java.util.function.Supplier;

/**
 * The exact accumulators {@code sum (x - xz) * (w - wz)} of a quantized convolution with constant
 * weights (QLinearConv, ConvInteger) by the fastest of the engine's exact ways for the input at hand:
 * int16 runs ({@link Int16Accumulation}, narrow inputs and weights), Winograd F(2x2, 3x3)
 * ({@link ConvWinograd}) and the float kernels ({@link ExactFloatAccumulation}). All three give the
 * int32 reference's values bit for bit, so {@link FastestWay} picks by timing them; with
 * {@code -Dlowbit.kernel.choice=first} the fixed rules of each way decide instead.
 */
final class ConvAccumulation {
    private final ExactFloatAccumulation exact;
    private final Int16Accumulation int16;
    private final FastestWay<Tensor> fastest = new FastestWay<>();

    private ConvAccumulation(ExactFloatAccumulation exact, Int16Accumulation int16) {
        this.exact = exact;
        this.int16 = int16;
    }

    /**
     * For the conv of {@code ctx} with weight input {@code weightIndex} and weight zero point input
     * {@code zeroPointIndex}; null when neither fast way can be prepared (non-constant weights).
     */
    static ConvAccumulation of(OpContext ctx, int weightIndex, int zeroPointIndex, IntegerOps.ConvAttrs attrs) {
        ExactFloatAccumulation exact = ExactFloatAccumulation.conv(ctx, weightIndex, zeroPointIndex);
        Int16Accumulation int16 = Int16Accumulation.conv(ctx, weightIndex, zeroPointIndex, attrs);
        return exact == null && int16 == null ? null : new ConvAccumulation(exact, int16);
    }

    /**
     * The accumulators [N, M, out...] of x with the weight w and weight zero point wzT: a FLOAT tensor
     * of exact integers whose array comes from the buffer pool (callers hand it back with
     * {@code BufferPool.release}), or an INT32 tensor; null when no fast way applies (other weights
     * than the constants these were made from, or shapes they reject), and the caller runs the
     * int32 reference kernels.
     */
    Tensor accumulate(Tensor x, boolean xu, int xz, Tensor w, Tensor wzT) {
        boolean exactApplies = exact != null && exact.appliesTo(w, wzT, xu, xz);
        boolean measured = FastestWay.measuring();
        List<Supplier<Tensor>> ways = List.of(
                () -> int16 == null ? null : ints(measured ? int16.convolve(x, xu, xz, w, wzT)
                        : int16.convolveWhereFaster(x, xu, xz, w, wzT)),
                () -> exactApplies ? exact.winograd(x, xu, xz, !measured) : null,
                () -> exactApplies ? exact.accumulateDirect(x, xu, xz) : null);
        return fastest.run(x.shapeRef(), ways);
    }

    /** The index of the way chosen for inputs of this shape (0 int16, 1 Winograd, 2 float), -1 while measuring. */
    int chosen(int[] shape) {
        return fastest.chosen(shape);
    }

    private static Tensor ints(IntegerOps.ConvResult r) {
        return r == null ? null : Tensor.of(r.acc(), r.shape());
    }
}
