package dev.lowbit.ops;

import dev.lowbit.exec.OpContext;
import dev.lowbit.tensor.DType;
import dev.lowbit.tensor.Tensor;
import dev.lowbit.tensor.kernels.IntConv;
import dev.lowbit.tensor.kernels.WinogradInt;
import dev.lowbit.tensor.kernels.WinogradWeights;
import java.util.Arrays;
import java.util.Locale;

/**
 * The Winograd F(2x2, 3x3) way of {@link ExactFloatAccumulation} for quantized 3x3 convolutions
 * (stride 1, dilation 1, one group): {@link WinogradInt} when the geometry fits. Whether it is the
 * faster way for a node is measured ({@link ConvAccumulation}, {@link FastestWay}); {@link #wins}
 * is the fixed rule used when measuring is off: enough channels for its 16 GEMMs to outweigh the
 * tile transforms.
 */
final class ConvWinograd {
    /** When Winograd runs: AUTO by {@link #wins}, or always/never where it fits (for tests and measurements). */
    enum Mode { AUTO, ALWAYS, NEVER }

    /** {@code -Dlowbit.conv.winograd=auto|always|never}; tests set it directly. */
    static volatile Mode mode = Mode.valueOf(System.getProperty("lowbit.conv.winograd", "auto").toUpperCase(Locale.ROOT));

    private final IntegerOps.ConvAttrs attrs;
    private final Tensor weight;
    private final int[] weightZeroPoints;
    /** The transformed weights, made on first use (many convolutions never take this path). */
    private volatile WinogradWeights weights;

    private ConvWinograd(IntegerOps.ConvAttrs attrs, Tensor weight, int[] weightZeroPoints) {
        this.attrs = attrs;
        this.weight = weight;
        this.weightZeroPoints = weightZeroPoints;
    }

    /** For a constant 8-bit weight [M, C, 3, 3] of a one-group convolution; null for any other. */
    static ConvWinograd of(OpContext ctx, Tensor w, int[] wz) {
        IntegerOps.ConvAttrs attrs = IntegerOps.ConvAttrs.of(ctx);
        boolean shape = w.rank() == 4 && w.dim(2) == 3 && w.dim(3) == 3;
        return shape && attrs.group() == 1 && allOnes(attrs.strides()) && allOnes(attrs.dilations())
                ? new ConvWinograd(attrs, w, wz) : null;
    }

    /**
     * The accumulators [N, M, out...] as float (exact integers, array from the buffer pool), as int32
     * when the whole reduction is too wide for float sums ({@link WinogradInt#convolveInts}), or null
     * when Winograd does not apply or ({@code byRule}, in mode AUTO) {@link #wins} says it is not the
     * faster path here.
     */
    Tensor accumulate(Tensor x, boolean xUnsigned, int xZeroPoint, boolean byRule) {
        if (mode == Mode.NEVER || x.rank() != 4 || x.dim(1) != weight.dim(1)) {
            return null;
        }
        int[] in = Arrays.copyOfRange(x.shapeRef(), 2, 4);
        IntConv.Geometry g = IntConv.Geometry.of(in, new int[] {3, 3}, new int[] {1, 1}, new int[] {1, 1},
                attrs.pads(), attrs.autoPad());
        if (!WinogradInt.fits(g) || (mode == Mode.AUTO && byRule && !wins(x.dim(1), weight.dim(0), x.dim(0), g))) {
            return null;
        }
        int[] shape = {x.dim(0), weight.dim(0), g.out()[0], g.out()[1]};
        float[] acc = WinogradInt.convolve(weights(), x.bytes(), xUnsigned, xZeroPoint, x.dim(0), g);
        if (acc != null) {
            return Tensor.wrap(DType.FLOAT, shape, acc);
        }
        // Too wide for float accumulators as a whole (ResNet-18's 512-channel layers): int32 ones.
        int[] ints = WinogradInt.convolveInts(weights(), x.bytes(), xUnsigned, xZeroPoint, x.dim(0), g);
        return ints == null ? null : Tensor.of(ints, shape);
    }

    /**
     * Whether Winograd beats the direct float kernels: with at least 64 input and output channels and
     * 32 tiles (single-thread CPU time, old/new: 64ch 56x56 x8 1.04, 128ch 28x28 x8 1.05, 256ch 14x14
     * 1.36, 512ch 7x7 x8 1.54, 64ch 14x14 x32 1.15). Fewer channels lose (16-32 channels: 0.5-0.8):
     * the tile transforms cost per channel what the GEMMs save, and the direct kernel is at its best.
     */
    static boolean wins(int cin, int cout, int batch, IntConv.Geometry g) {
        long tiles = (long) batch * ((g.out()[0] + 1) / 2) * ((g.out()[1] + 1) / 2);
        return cin >= 64 && cout >= 64 && tiles >= 32;
    }

    private WinogradWeights weights() {
        WinogradWeights w = weights;
        if (w == null) {
            w = WinogradWeights.prepare(weight.bytes(), weight.dtype() == DType.UINT8, weightZeroPoints, weight.dim(0),
                    weight.dim(1));
            weights = w;
        }
        return w;
    }

    private static boolean allOnes(int[] v) {
        if (v != null) {
            for (int x : v) {
                if (x != 1) {
                    return false;
                }
            }
        }
        return true;
    }
}
