package dev.lowbit.ops;

import dev.lowbit.exec.OpContext;
import dev.lowbit.tensor.DType;
import dev.lowbit.tensor.Tensor;
import dev.lowbit.tensor.kernels.Int16Gemm;
import java.util.Arrays;

/**
 * Integer matmul accumulators {@code sum_k (a - az)(b - bz)} on the int16-run GEMM for
 * QLinearMatMul/MatMulInteger with a constant 2-D B [K, N]: B is packed once as int16
 * {@code b - bz} panels with its column sums; each run centres A on the midpoint c of its actual
 * range (see {@link Int16Gemm}; a MatMul has no padding, so az need not be in the range), packs
 * {@code a - c} and adds {@code (c - az) * sum_k (b - bz)} per column in int32. Taken only when the
 * run length {@code 32767 / (ceil((hi - lo) / 2) * max|b - bz|)} reaches {@link Int16Gemm#MIN_FAST_RUN};
 * otherwise {@link #multiply} returns null and the caller takes its other paths. Measured single
 * threaded at r = 8 (Int16ConvBench, a shared 2-core machine): 1.06-1.18x the exact float path for
 * 128x384x1536 and 16x768x768, 0.66-0.88x for 128x384x384 and 512x256x256, so the gain depends on
 * the shape and is not yet established.
 */
final class Int16MatMul {
    /**
     * Fewer columns than this and the float path wins: measured single threaded with runs of 8
     * (Int16ConvBench), M x K x N = 128x384x384 ran at 0.49x and 512x256x256 at 0.87x the float GEMM,
     * 128x384x1536 at 1.12x and 16x768x768 at 1.10x.
     */
    static final int MIN_COLUMNS = 768;

    private final Tensor b;
    private final Tensor zeroPoint;
    private final Int16Gemm.Packed packed;
    /** Per column n, {@code sum_k (b[k][n] - bz[n])}: the centring correction's constants. */
    private final int[] columnSums;

    private Int16MatMul(Tensor b, Tensor zeroPoint, Int16Gemm.Packed packed) {
        this.b = b;
        this.zeroPoint = zeroPoint;
        this.packed = packed;
        this.columnSums = packed.extentSums();
    }

    /** The fixed rule (used when the engine does not measure): B has enough columns for int16 to win. */
    boolean wins() {
        return packed.extent() >= MIN_COLUMNS;
    }

    /**
     * For a node whose B (input {@code bIndex}, 2-D 8-bit) and B zero point are constants, B deep
     * enough ({@link Int16Accumulation#MIN_DEPTH}) and narrow enough for useful runs against 7-bit
     * activations; null otherwise.
     */
    static Int16MatMul of(OpContext ctx, int bIndex, int zeroPointIndex) {
        Tensor b = ctx.constantInput(bIndex);
        if (b == null || (b.dtype() != DType.UINT8 && b.dtype() != DType.INT8) || b.rank() != 2
                || b.dim(0) < Int16Accumulation.MIN_DEPTH) {
            return null;
        }
        Tensor zp = ctx.constantInput(zeroPointIndex);
        if (ctx.node().hasInput(zeroPointIndex) && zp == null) {
            return null;
        }
        boolean bu = b.dtype() == DType.UINT8;
        int[] bz;
        try {
            bz = QuantTensors.zeroPoints8(zp, bu, "b_zero_point");
        } catch (RuntimeException e) {
            return null; // the run reports it
        }
        int k = b.dim(0);
        int n = b.dim(1);
        if (bz.length != 1 && bz.length != n) {
            return null;
        }
        Int16Gemm.Packed p = Int16Gemm.pack(b.bytes(), 0, bu, bz, n, k, 1, n, Int16Gemm.nr());
        // Worth keeping when a 7-bit A (|a - c| <= 64 once centred) gets useful runs.
        return Int16Gemm.runLength(64, p.maxAbs()) >= Int16Gemm.MIN_FAST_RUN ? new Int16MatMul(b, zp, p) : null;
    }

    /** The range of A's values and the int16 run length they allow against the packed B. */
    record Plan(Int16Gemm.Range range, int run) {
    }

    Plan plan(Tensor a, boolean au) {
        Int16Gemm.Range range = Int16Gemm.Range.of(a.bytes(), 0, a.size(), au);
        return new Plan(range, Int16Gemm.runLength(range.maxAbs(), packed.maxAbs()));
    }

    /**
     * The accumulators of A [..., M, K] (or [K]) times the packed B, or null when the run does not
     * receive the constants this was made from, the shapes do not fit (the int32 path reports it)
     * or A's range does not allow runs of {@link Int16Gemm#MIN_FAST_RUN}.
     */
    IntegerOps.MatMulResult multiply(Tensor a, boolean au, int az, Tensor runB, Tensor runZeroPoint) {
        int k = packed.depth();
        if (runB != b || runZeroPoint != zeroPoint || a.rank() < 1 || a.dim(a.rank() - 1) != k) {
            return null;
        }
        Plan plan = plan(a, au);
        if (plan.run() < Int16Gemm.MIN_FAST_RUN) {
            return null;
        }
        int rows = a.size() / k;
        int n = packed.extent();
        int c = plan.range().shift();
        Int16Gemm.Packed pa = Int16Gemm.pack(a.bytes(), 0, au, new int[] {c}, rows, k, k, 1, Int16Gemm.mr());
        int[] acc = new int[rows * n];
        Int16Gemm.multiply(pa, packed, acc, 0, n, plan.run());
        correct(acc, rows, n, c - az);
        int[] shape = Arrays.copyOf(a.shapeRef(), a.rank());
        shape[shape.length - 1] = n;
        return new IntegerOps.MatMulResult(acc, shape, a.rank() == 1 ? 1 : a.dim(a.rank() - 2), n);
    }

    /** Adds {@code delta * columnSums[j]} to every row's column j, in int32 (exact modulo 2^32). */
    private void correct(int[] acc, int rows, int n, int delta) {
        if (delta == 0) {
            return;
        }
        int[] add = new int[n];
        for (int j = 0; j < n; j++) {
            add[j] = delta * columnSums[j];
        }
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < n; j++) {
                acc[i * n + j] += add[j];
            }
        }
    }
}
