package dev.lowbit.tensor.kernels;

import dev.lowbit.tensor.Parallel;
import java.util.Arrays;

/**
 * Exact integer GEMM {@code C = A x B} for narrow operands (e.g. 7-bit weights and activations with
 * their zero points subtracted), accumulated in int16 lanes for runs of depth steps and in int32
 * between runs ("INT7 + INT16" of EasyQuant). On AVX-512 a 32-lane int16 multiply and add per
 * vector does twice the work of a 16-lane float FMA, which makes this faster than the exact float
 * path of {@code ExactFloatAccumulation} when runs are long enough (see {@link #MIN_FAST_RUN}).
 *
 * <p><b>Why it is exact.</b> Let {@code ma} and {@code mb} bound |A| and |B| elementwise (the packed
 * operands record their actual maxima, {@link Packed#maxAbs()}), and let the run length be
 * {@code r = floor(32767 / (ma * mb))} ({@link #runLength}), r &gt;= 1 being required. Then
 * <ul>
 * <li>every product a*b satisfies |a*b| &lt;= ma*mb &lt;= 32767, so the int16 multiply (which keeps the low
 *     16 bits) returns the exact product;</li>
 * <li>within a run of at most r depth steps every partial sum in an int16 lane has magnitude at most
 *     r*ma*mb &lt;= 32767, so no int16 addition wraps and the run's sum is exact;</li>
 * <li>each run sum is sign-extended to int32 and added to an int32 accumulator: int32 addition is
 *     associative and commutative modulo 2^32, so the result equals the int32 reference sum
 *     {@code sum_k a*b} bit for bit (including wrap-around, which quantized ops never reach).</li>
 * </ul>
 * The bound is checked per call from the operands' actual maxima, not their types: an ONNX model
 * stores 7-bit values in 8-bit tensors and nothing stops an activation from using all 8 bits, in which
 * case r drops (possibly below {@link #MIN_FAST_RUN}) and callers take their other paths.
 *
 * <p><b>Centring the activations.</b> What enters the int16 lanes need not be {@code x - xz}: for any
 * integer c, {@code sum_k (x_k - xz)(w_k - wz) = sum_k (x_k - c)(w_k - wz) + (c - xz) * sum_k (w_k - wz)}
 * (expand {@code x_k - xz = (x_k - c) + (c - xz)}). The weight sums {@code sum_k (w_k - wz)} are
 * constants per output row ({@link Packed#extentSums()}, computed once when the weights are
 * packed), so callers pack {@code x - c}, multiply, and add {@code (c - xz) * sum_k (w_k - wz)} in int32
 * — a ring identity, so it holds modulo 2^32 as well and the result still equals the int32
 * reference bit for bit. {@link Range} picks c as the midpoint of the range [lo, hi] of the values
 * entering the products: {@code c = floor((lo + hi) / 2)} gives {@code max|x - c| = hi - c =
 * ceil((hi - lo) / 2)}, the least any integer c can give (since {@code (c - lo) + (hi - c) = hi - lo}).
 * 7-bit activations after a ReLU, [0, 127] with xz = 0, have {@code max|x - xz| = 127} but
 * {@code max|x - c| = 64}: against 7-bit weights (|w - wz| &lt;= 63) r rises from 4 to 8. The packed
 * values stay within int16: 8-bit data and zero points span at most 255 values, so
 * {@code |x - c| <= 128}. Convolution padding stands for x = xz, contributing 0 to the original sum;
 * after centring a padded tap must hold {@code xz - c} (the correction then adds its
 * {@code (c - xz) * w} back, net 0), so a padded convolution includes xz in [lo, hi] and the bound
 * covers the padding too (see {@link Int16Conv}).
 *
 * <p>Layout: as {@link GemmPacked} but in shorts, K blocks of {@link #KC}; A panels are
 * {@link Int16GemmLoops#MR} rows wide, B panels {@link #nr()} columns wide; padding lanes are 0.
 */
public final class Int16Gemm {
    private static final Int16GemmLoops LOOPS = VectorizationProvider.get().int16Gemm();
    /** Depth of a K block: a B panel of KC x nr shorts (32 KiB for nr = 64) streams from L2. */
    public static final int KC = 256;
    /** The largest int16 value: the bound on every product and every run's partial sums. */
    public static final int INT16_MAX = Short.MAX_VALUE;
    /**
     * The shortest run for which the int16 convolution is worth trying before the exact float path.
     * The GEMM alone was measured at 1.0-1.35x the float GEMM for runs of 4 and 1.3-1.9x for 8 and
     * more, but a convolution adds the range pass, im2col and int16 packing: single-threaded on
     * ResNet-shaped 3x3 convs with 7-bit weights (Int16ConvBench, interleaved medians) runs of 4
     * were 0.4-0.85x the float path at 56x56 to 14x14 (1.05-2.1x only at 7x7x512), runs of 8
     * 0.3-1.1x there and 1.06-1.9x at 7x7x512, runs of 4 being 5-100% slower than runs of 8 on the
     * same shape. Centred 7-bit activations reach 8 (see the class comment), so short runs are left
     * to the float kernels.
     */
    public static final int MIN_FAST_RUN = Integer.getInteger("lowbit.int16.minRun", 8);
    /** Output tile per parallel task. */
    private static final int MC = 64;
    private static final int NC_PANELS = 4;

    private Int16Gemm() {
    }

    /**
     * An operand packed into panels of {@code width} lanes.
     *
     * @param maxAbs the largest |value| packed (0 for an all-zero operand)
     */
    public record Packed(short[] data, int extent, int depth, int width, int maxAbs) {
        public int panels() {
            return (extent + width - 1) / width;
        }

        public int paddedExtent() {
            return panels() * width;
        }

        public int panelOffset(int p0, int kb, int s) {
            return p0 * paddedExtent() + s * width * kb;
        }

        /**
         * For each e &lt; extent, the sum over the depth of the packed values, e.g. {@code sum_k (w_k - wz)}
         * per output channel: the constant of the centring correction (see the class comment).
         */
        public int[] extentSums() {
            int[] sums = new int[extent];
            for (int p0 = 0; p0 < depth; p0 += KC) {
                int kb = Math.min(KC, depth - p0);
                for (int e = 0; e < extent; e++) {
                    int base = panelOffset(p0, kb, e / width) + e % width;
                    for (int k = 0; k < kb; k++) {
                        sums[e] += data[base + k * width];
                    }
                }
            }
            return sums;
        }

        /** Shorts needed to pack an operand of this geometry. */
        public static int size(int extent, int depth, int width) {
            return ((extent + width - 1) / width) * width * depth;
        }
    }

    /** The provider's micro-kernel. */
    static Int16GemmLoops loops() {
        return LOOPS;
    }

    /** Width of an A panel. */
    public static int mr() {
        return Int16GemmLoops.MR;
    }

    /** Width of a B panel. */
    public static int nr() {
        return LOOPS.nr();
    }

    /**
     * The longest run of products whose int16 partial sums cannot wrap: {@code 32767 / (maxAbsA * maxAbsB)},
     * 0 when even one product may not fit int16, {@link Integer#MAX_VALUE} when an operand is all zero.
     */
    public static int runLength(int maxAbsA, int maxAbsB) {
        long p = (long) maxAbsA * maxAbsB;
        return p == 0 ? Integer.MAX_VALUE : (int) (INT16_MAX / p);
    }

    /**
     * The range [lo, hi] of the values entering the products and the shift that centres them:
     * {@link #shift()} is the midpoint, {@link #maxAbs()} {@code = max|v - shift| = ceil((hi - lo) / 2)},
     * the least over all shifts (see the class comment).
     */
    public record Range(int lo, int hi) {
        /** The range of the 8-bit values {@code x[off..off+len)}; [0, 0] when empty. */
        public static Range of(byte[] x, int off, int len, boolean unsigned) {
            if (len == 0) {
                return new Range(0, 0);
            }
            int lo = Integer.MAX_VALUE;
            int hi = Integer.MIN_VALUE;
            for (int i = off; i < off + len; i++) {
                int v = unsigned ? x[i] & 0xFF : x[i];
                lo = Math.min(lo, v);
                hi = Math.max(hi, v);
            }
            return new Range(lo, hi);
        }

        /** This range widened to include v (e.g. the zero point that padding stands for). */
        public Range including(int v) {
            return new Range(Math.min(lo, v), Math.max(hi, v));
        }

        /** {@code floor((lo + hi) / 2)}: when hi - lo is odd, the odd value out lies above. */
        public int shift() {
            return Math.floorDiv(lo + hi, 2);
        }

        /** The largest |v - c| over the range: {@code max(|lo - c|, |hi - c|)}. */
        public int maxAbsFrom(int c) {
            return Math.max(Math.abs(lo - c), Math.abs(hi - c));
        }

        /** The largest |v - shift()| over the range. */
        public int maxAbs() {
            return hi - shift();
        }
    }

    /**
     * Packs the 8-bit matrix whose element (e, d) — e along the panel extent, d along K — is
     * {@code widen(src[off + e * es + d * ds]) - zeroPoints[e]} ({@code zeroPoints} of length 1 or
     * {@code extent}) into panels of {@code width} lanes.
     */
    public static Packed pack(byte[] src, int off, boolean unsigned, int[] zeroPoints, int extent, int depth, int es,
            int ds, int width) {
        short[] out = new short[Packed.size(extent, depth, width)];
        int pe = (extent + width - 1) / width * width;
        int max = 0;
        for (int p0 = 0; p0 < depth; p0 += KC) {
            int kb = Math.min(KC, depth - p0);
            for (int e = 0; e < extent; e++) {
                int z = zeroPoints.length == 1 ? zeroPoints[0] : zeroPoints[e];
                int base = p0 * pe + (e / width) * width * kb + e % width;
                for (int k = 0; k < kb; k++) {
                    int v = IntGemm.widen(src[off + e * es + (p0 + k) * ds], unsigned) - z;
                    max = Math.max(max, Math.abs(v));
                    out[base + k * width] = (short) v;
                }
            }
        }
        return new Packed(out, extent, depth, width, max);
    }

    /**
     * Packs the row-major [depth, extent] int matrix at {@code src[off..]} (values within int16, e.g.
     * an im2col of shifted 8-bit values) into B panels of {@link #nr()} columns, reusing {@code dst}
     * when it is large enough.
     */
    public static Packed packRows(int[] src, int off, int depth, int extent, short[] dst) {
        int width = nr();
        int need = Packed.size(extent, depth, width);
        short[] out = dst != null && dst.length >= need ? dst : new short[need];
        int pe = (extent + width - 1) / width * width;
        int max = 0;
        for (int p0 = 0; p0 < depth; p0 += KC) {
            int kb = Math.min(KC, depth - p0);
            for (int s = 0; s < pe / width; s++) {
                int e0 = s * width;
                int lanes = Math.min(width, extent - e0);
                int base = p0 * pe + s * width * kb;
                for (int k = 0; k < kb; k++) {
                    int from = off + (p0 + k) * extent + e0;
                    int to = base + k * width;
                    for (int q = 0; q < lanes; q++) {
                        int v = src[from + q];
                        max = Math.max(max, Math.abs(v));
                        out[to + q] = (short) v;
                    }
                    Arrays.fill(out, to + lanes, to + width, (short) 0);
                }
            }
        }
        return new Packed(out, extent, depth, width, max);
    }

    /** {@link #rowStarts} of the provider's panel width. */
    private static final int[] PANEL_ROWS = rowStarts(nr());

    /** {@code k * nr} for k &lt; {@link #KC}: where row k of a packed B panel starts. */
    private static int[] rowStarts(int nr) {
        int[] rows = new int[KC];
        for (int k = 0; k < KC; k++) {
            rows[k] = k * nr;
        }
        return rows;
    }

    /** Per-thread tile for C's ragged edges. */
    private static final ThreadLocal<int[]> EDGE = ThreadLocal.withInitial(() -> new int[Int16GemmLoops.MR * nr()]);

    /**
     * {@code c[cOff + i * ldc + j] = sum_k A[i][k] * B[k][j]} for the packed A (width {@link #mr()})
     * and B (width {@link #nr()}), with int16 runs of {@code run} depth steps: exact when
     * {@code 1 <= run <= runLength(a.maxAbs(), b.maxAbs())} (see the class comment).
     */
    public static void multiply(Packed a, Packed b, int[] c, int cOff, int ldc, int run) {
        multiply(LOOPS, a, b, c, cOff, ldc, run);
    }

    /** {@link #multiply} with explicit loops (tests pass the plain-Java ones). */
    static void multiply(Int16GemmLoops loops, Packed a, Packed b, int[] c, int cOff, int ldc, int run) {
        int mr = Int16GemmLoops.MR;
        int nr = loops.nr();
        if (a.width() != mr || b.width() != nr || a.depth() != b.depth()) {
            throw new IllegalArgumentException("operands do not fit: A " + a.width() + "x" + a.depth() + ", B "
                    + b.width() + "x" + b.depth());
        }
        if (run < 1) {
            throw new IllegalArgumentException("run must be >= 1, got " + run);
        }
        int m = a.extent();
        int n = b.extent();
        int k = a.depth();
        int r = Math.min(run, KC);
        int nc = NC_PANELS * nr;
        int mBlocks = (m + MC - 1) / MC;
        int nBlocks = (n + nc - 1) / nc;
        int tasks = mBlocks * nBlocks;
        long macs = (long) m * n * k;
        int grain = macs < (1L << 20) ? tasks : 1;
        Parallel.forRange(tasks, grain, (t0, t1) -> {
            int[] edge = nr == nr() ? EDGE.get() : new int[mr * nr];
            for (int t = t0; t < t1; t++) {
                int row0 = (t / nBlocks) * MC;
                int col0 = (t % nBlocks) * nc;
                tile(loops, a, b, c, cOff, ldc, r, row0, Math.min(m, row0 + MC), col0, Math.min(n, col0 + nc), k,
                        edge);
            }
        });
    }

    private static void tile(Int16GemmLoops loops, Packed a, Packed b, int[] c, int cOff, int ldc, int run, int row0,
            int row1, int col0, int col1, int k, int[] edge) {
        int mr = a.width();
        int nr = b.width();
        for (int i = row0; i < row1; i++) {
            Arrays.fill(c, cOff + i * ldc + col0, cOff + i * ldc + col1, 0);
        }
        short[] ad = a.data();
        short[] bd = b.data();
        int[] rowStarts = nr == nr() ? PANEL_ROWS : rowStarts(nr);
        for (int p0 = 0; p0 < k; p0 += KC) {
            int kb = Math.min(KC, k - p0);
            for (int i = row0; i < row1; i += mr) {
                int aOff = a.panelOffset(p0, kb, i / mr);
                int rows = Math.min(mr, row1 - i);
                for (int j = col0; j < col1; j += nr) {
                    int bOff = b.panelOffset(p0, kb, j / nr);
                    int cols = Math.min(nr, col1 - j);
                    if (rows == mr && cols == nr) {
                        loops.microKernel(kb, run, ad, aOff, bd, bOff, rowStarts, 0, c, cOff + i * ldc + j, ldc);
                    } else {
                        Arrays.fill(edge, 0);
                        loops.microKernel(kb, run, ad, aOff, bd, bOff, rowStarts, 0, edge, 0, nr);
                        for (int r = 0; r < rows; r++) {
                            int cRow = cOff + (i + r) * ldc + j;
                            for (int q = 0; q < cols; q++) {
                                c[cRow + q] += edge[r * nr + q];
                            }
                        }
                    }
                }
            }
        }
    }
}
