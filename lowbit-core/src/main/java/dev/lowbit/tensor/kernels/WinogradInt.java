package dev.lowbit.tensor.kernels;

import dev.lowbit.tensor.BufferPool;
import dev.lowbit.tensor.DType;
import dev.lowbit.tensor.Parallel;
import dev.lowbit.tensor.Tensor;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Exact integer Winograd F(2x2, 3x3) for quantized 3x3 convolutions (stride 1, dilation 1, one
 * group) with constant weights: the accumulators {@code sum (x - xz) * (w - wz)} bit for bit, with
 * 16 small float GEMMs doing 16 multiplies per 2x2 output tile and channel pair instead of 36.
 *
 * <p>The transforms, with G scaled by 2 so every matrix is an integer one:
 * <pre>
 *   U = G2 g G2^T,  G2 = 2G = [[2,0,0],[1,1,1],[1,-1,1],[0,0,2]]      (per weight filter, once)
 *   V = B^T d B,    B^T = [[1,0,-1,0],[0,1,1,0],[0,-1,1,0],[0,1,0,-1]]  (per 4x4 input tile d)
 *   M[pos] = sum_c U[pos][co][c] * V[pos][c][tile]                      (16 GEMMs, one per pos)
 *   Y = A^T M A,    A^T = [[1,1,1,0],[0,1,-1,-1]],  acc = Y / 4
 * </pre>
 *
 * <p>Why it is exact:
 * <ul>
 * <li>The Winograd identity {@code A^T[(G g G^T) . (B^T d B)]A = correlation(d, g)} holds over the
 * rationals; with G2 = 2G the product carries a factor 2 * 2 = 4, so Y = 4 * (the direct integer
 * correlation) and Y / 4 is an exact integer division (asserted). U, V and M are integers.</li>
 * <li>The tiles hold {@code d = x - c}, c the midpoint of the input's range widened to xz, and
 * {@code xz - c} outside the input (padding stands for x = xz). What comes out is the centred sum
 * {@code sum (x - c)(w - wz)}; {@link #correct} adds {@code (c - xz) * sum (w - wz)} per output
 * channel, which makes it {@code sum (x - xz)(w - wz)} tap by tap, padded taps included (the
 * centring identity of {@link Int16Gemm}).</li>
 * <li>|V| <= 4 max|x - c| (each row of B^T has two entries +-1), measured per call. Every partial sum
 * the float GEMM forms for M[pos][co][t], in any order and with FMAs, is bounded by
 * {@code max|V| * sum_c |U[pos][co][c]|}. Input channels are cut into chunks for which that bound
 * is <= 2^24 for every (pos, co), so each partial sum is an integer float32 holds exactly and no
 * operation rounds. A single channel past the bound makes {@link #convolve} return null.</li>
 * <li>The output transform runs in int: |M| <= 2^24, so sums of nine terms stay far inside int32.</li>
 * <li>The result is returned as float: {@link #convolve} only runs when
 * {@code max|x - c| * max_co sum_{c,k} |w - wz|} <= 2^24, so each centred accumulator, and each
 * running sum of the chunks' accumulators (a partial sum over channels), is an integer float32
 * holds exactly; the correction is checked as {@link #correct} says. When that bound fails,
 * {@link #convolveInts} returns int32 accumulators instead: its chunks are also cut so that each
 * chunk's direct sums stay within 2^24, so each chunk's Y / 4 is exact in float, and the chunks are
 * added (and corrected) in int32.</li>
 * </ul>
 *
 * <p>Tiles (2x2 outputs, stride 2 over the output) of the whole batch go in blocks through the
 * steps input transform (written straight into packed GEMM panels), 16 GEMMs and output transform;
 * blocks run in parallel. Out-of-range input (padding, and past odd edges) reads xz - c; outputs
 * past odd edges are dropped.
 */
public final class WinogradInt {
    /** Integers up to 2^24 in magnitude are exactly representable in float32. */
    static final double EXACT_LIMIT = 16_777_216d;
    /** Positions of a 4x4 transformed tile: one GEMM each. */
    static final int POS = 16;
    /** Floats of V and M per block (16 x (Cin + Cout) x block tiles): half a MB per thread, about L2. */
    private static final int BLOCK_BUDGET = 1 << 17;
    /**
     * Floats between consecutive positions' M matrices and V panels beyond their size: the 16 streams
     * the transforms read or write together would otherwise sit a power of two apart and fight over
     * the same L1 cache sets.
     */
    private static final int SKEW = 48;
    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    private WinogradInt() {
    }

    /** Whether a convolution has the geometry this handles: 2-d, 3x3, stride 1, dilation 1. */
    public static boolean fits(IntConv.Geometry g) {
        if (g.in().length != 2) {
            return false;
        }
        for (int a = 0; a < 2; a++) {
            if (g.kernel()[a] != 3 || g.strides()[a] != 1 || g.dilations()[a] != 1) {
                return false;
            }
        }
        return true;
    }

    /**
     * The accumulators [batch, cout, out...] as float (exact integers) in an array from the buffer
     * pool, for x [batch, cin, in...]; null when the sums could not stay exact (the caller falls back,
     * or takes {@link #convolveInts}).
     * The input is centred on the midpoint c of its range (widened to xz), which halves the bound
     * on |V| for a ReLU's [0, hi] and so lengthens the exact chunks; the sums over {@code x - c} are
     * corrected back to {@code x - xz} per output channel at the end ({@link #correct}).
     */
    public static float[] convolve(WinogradWeights wt, byte[] x, boolean xUnsigned, int xZero, int batch, IntConv.Geometry g) {
        Layout l = new Layout(batch, wt.cin, wt.cout, g);
        Int16Gemm.Range range = centring(x, xUnsigned, xZero, l);
        int shift = range.shift();
        int maxAbs = range.maxAbs();
        double correction = (double) Math.abs(shift - xZero) * maxAbs(wt.weightSums);
        WinogradWeights.Plan plan = (double) maxAbs * wt.maxWeightSum <= EXACT_LIMIT && correction <= EXACT_LIMIT
                ? wt.plan(4 * maxAbs) : null;
        if (plan == null) {
            return null;
        }
        float[] out = BufferPool.floatsUninitialized(batch * wt.cout * l.oh * l.ow);
        accumulate(wt, plan, l, x, xUnsigned, shift, xZero, out, null);
        if (shift != xZero && !correct(out, wt.weightSums, shift - xZero, l)) {
            BufferPool.release(out);
            return null;
        }
        return out;
    }

    /**
     * The accumulators as int32, for inputs and weights whose whole reduction is too wide for
     * {@link #convolve}'s float sums (ResNet-18's 512-channel layers): each input-channel chunk's
     * accumulators are exact in float (the plan bounds every chunk's direct sums too), and the chunks
     * are added in int32, exact with wrap-around as ONNX Runtime's int32 kernels are. Null only when
     * one channel alone passes a chunk bound.
     */
    public static int[] convolveInts(WinogradWeights wt, byte[] x, boolean xUnsigned, int xZero, int batch,
            IntConv.Geometry g) {
        Layout l = new Layout(batch, wt.cin, wt.cout, g);
        Int16Gemm.Range range = centring(x, xUnsigned, xZero, l);
        int shift = range.shift();
        WinogradWeights.Plan plan = wt.plan(4 * range.maxAbs());
        if (plan == null) {
            return null;
        }
        // From the run's buffer pool (zeroed; the first chunk stores, so any contents would do).
        int[] out = (int[]) Tensor.allocate(DType.INT32, batch * wt.cout * l.oh * l.ow);
        accumulate(wt, plan, l, x, xUnsigned, shift, xZero, null, out);
        if (shift != xZero) {
            int plane = l.oh * l.ow;
            int delta = shift - xZero;
            Parallel.forRange(l.batch * l.cout, Math.max(1, 16384 / Math.max(1, plane)), (p0, p1) -> {
                for (int p = p0; p < p1; p++) {
                    int add = delta * wt.weightSums[p % l.cout];
                    for (int i = p * plane; i < (p + 1) * plane; i++) {
                        out[i] += add;
                    }
                }
            });
        }
        return out;
    }

    /** The input's range, widened to xz: every tile reads xz (padding, past odd edges) somewhere. */
    private static Int16Gemm.Range centring(byte[] x, boolean xUnsigned, int xZero, Layout l) {
        return Int16Gemm.Range.of(x, 0, l.planes() * l.ih * l.iw, xUnsigned).including(xZero);
    }

    /**
     * Transforms, multiplies and transforms back every block of tiles into {@code out} (float) or
     * {@code intOut} (the other one null): the input held as {@code x - shift} in padded planes.
     */
    private static void accumulate(WinogradWeights wt, WinogradWeights.Plan plan, Layout l, byte[] x, boolean xUnsigned,
            int shift, int xZero, float[] out, int[] intOut) {
        float[] padded = BufferPool.floatsUninitialized(l.planes() * l.hp * l.wp);
        pad(x, xUnsigned, shift, xZero - shift, padded, l);
        int nr = wt.kernel.nr();
        int threads = Parallel.threads();
        int cap = Math.max(nr, BLOCK_BUDGET / (POS * (plan.maxDepth() + wt.cout)) / nr * nr);
        int width = Math.min(cap, Math.max(nr, ceilDiv(ceilDiv(l.tiles, 2 * threads), nr) * nr));
        int blocks = ceilDiv(l.tiles, width);
        Parallel.IndexBody body = b -> block(wt, plan, l, padded, out, intOut, b * width,
                Math.min(l.tiles, (b + 1) * width));
        if (blocks >= 2 * threads || threads == 1) {
            Parallel.forEachDynamic(blocks, body);
        } else {
            for (int b = 0; b < blocks; b++) { // few blocks: each GEMM splits its filters across threads instead
                body.run(b);
            }
        }
        BufferPool.release(padded);
    }

    /**
     * Adds {@code delta * weightSums[co]} to every accumulator of channel co, turning the centred sums
     * {@code sum (x - c)(w - wz)} into {@code sum (x - xz)(w - wz)} (the identity of {@link Int16Gemm}'s
     * centring, with the padding holding {@code xz - c}). Both terms are integers of magnitude
     * <= 2^24 (checked by the caller), so float addition returns their exact sum whenever that sum is
     * <= 2^24 in magnitude, and a result of magnitude >= 2^24 exposes every case where it might not
     * be; false then (the caller falls back to the direct kernels).
     */
    private static boolean correct(float[] out, int[] weightSums, int delta, Layout l) {
        int plane = l.oh * l.ow;
        AtomicBoolean exact = new AtomicBoolean(true);
        Parallel.forRange(l.batch * l.cout, Math.max(1, 16384 / plane), (p0, p1) -> {
            float max = 0;
            for (int p = p0; p < p1; p++) {
                float add = (float) delta * weightSums[p % l.cout];
                for (int i = p * plane; i < (p + 1) * plane; i++) {
                    float v = out[i] + add;
                    out[i] = v;
                    max = Math.max(max, Math.abs(v));
                }
            }
            if (max >= EXACT_LIMIT) {
                exact.set(false);
            }
        });
        return exact.get();
    }

    private static int maxAbs(int[] v) {
        int max = 0;
        for (int x : v) {
            max = Math.max(max, Math.abs(x));
        }
        return max;
    }

    /** Extents of one call: output, tiles, and the zero-bordered shifted input planes [hp, wp]. */
    private record Layout(int batch, int cin, int cout, int ih, int iw, int oh, int ow, int th, int tw, int hp, int wp,
            int ph, int pw, int tiles) {
        Layout(int batch, int cin, int cout, IntConv.Geometry g) {
            this(batch, cin, cout, g.in()[0], g.in()[1], g.out()[0], g.out()[1], ceilDiv(g.out()[0], 2),
                    ceilDiv(g.out()[1], 2), 2 * ceilDiv(g.out()[0], 2) + 2, 2 * ceilDiv(g.out()[1], 2) + 2,
                    g.padsBegin()[0], g.padsBegin()[1], batch * ceilDiv(g.out()[0], 2) * ceilDiv(g.out()[1], 2));
        }

        int planes() {
            return batch * cin;
        }
    }

    /** Fills the padded planes with x - shift, and {@code border} outside x. */
    private static void pad(byte[] x, boolean xUnsigned, int shift, int border, float[] padded, Layout l) {
        Parallel.forRange(l.planes(), Math.max(1, 8192 / (l.hp * l.wp)), (p0, p1) -> {
            for (int p = p0; p < p1; p++) {
                padPlane(x, p * l.ih * l.iw, xUnsigned, shift, border, padded, p * l.hp * l.wp, l);
            }
        });
    }

    private static void padPlane(byte[] x, int src, boolean xUnsigned, int shift, int border, float[] padded, int dst,
            Layout l) {
        int lo = Math.min(l.pw, l.wp);
        int hi = Math.max(lo, Math.min(l.pw + l.iw, l.wp));
        for (int r = 0; r < l.hp; r++) {
            int row = dst + r * l.wp;
            int iy = r - l.ph;
            if (iy < 0 || iy >= l.ih) {
                Arrays.fill(padded, row, row + l.wp, border);
                continue;
            }
            Arrays.fill(padded, row, row + lo, border);
            int s = src + iy * l.iw - l.pw;
            if (xUnsigned) {
                for (int c = lo; c < hi; c++) {
                    padded[row + c] = (x[s + c] & 0xFF) - shift;
                }
            } else {
                for (int c = lo; c < hi; c++) {
                    padded[row + c] = x[s + c] - shift;
                }
            }
            Arrays.fill(padded, row + hi, row + l.wp, border);
        }
    }

    /** Tiles [t0, t1): each input-channel chunk is transformed, multiplied and transformed back. */
    private static void block(WinogradWeights wt, WinogradWeights.Plan plan, Layout l, float[] padded, float[] out,
            int[] intOut, int t0, int t1) {
        Scratch s = SCRATCH.get();
        int n = t1 - t0;
        int nr = wt.kernel.nr();
        int kc = wt.kernel.kc();
        int stride = wt.cout * n + SKEW;
        float[] m = s.m(POS * stride);
        for (int ch = 0; ch + 1 < plan.bounds().length; ch++) {
            int c0 = plan.bounds()[ch];
            int depth = plan.bounds()[ch + 1] - c0;
            GemmPacked[] v = s.panels(n, depth, nr, kc);
            for (int c = 0; c < depth; c++) {
                transformInput(padded, l, c0 + c, t0, n, s, c);
            }
            Arrays.fill(m, 0, POS * stride, 0f);
            for (int pos = 0; pos < POS; pos++) {
                wt.kernel.multiply(plan.packed()[ch][pos], v[pos], 1f, m, pos * stride, n);
            }
            transformOutput(m, stride, l, t0, n, out, intOut, ch == 0, s.rows(4 * n));
        }
    }

    /** V = B^T d B of channel {@code c} for tiles t0.. t0+n, into depth row {@code k} of the 16 packed panels. */
    private static void transformInput(float[] padded, Layout l, int c, int t0, int n, Scratch s, int k) {
        GemmPacked p = s.panels[0];
        int w = p.width();
        int kb0 = k / p.kc() * p.kc();
        int kb = Math.min(p.kc(), p.depth() - kb0);
        int rowBase = kb0 * p.paddedExtent() + (k - kb0) * w;
        int panelStride = w * kb;
        float[][] v = s.v;
        int wp = l.wp;
        int img = t0 / (l.th * l.tw);
        int ty = t0 % (l.th * l.tw) / l.tw;
        int tx = t0 % l.tw;
        int d = ((img * l.cin + c) * l.hp + 2 * ty) * wp + 2 * tx;
        for (int j = 0, lane = 0, at = rowBase; j < n; j++) {
            float d00 = padded[d], d01 = padded[d + 1], d02 = padded[d + 2], d03 = padded[d + 3];
            int r = d + wp;
            float d10 = padded[r], d11 = padded[r + 1], d12 = padded[r + 2], d13 = padded[r + 3];
            r += wp;
            float d20 = padded[r], d21 = padded[r + 1], d22 = padded[r + 2], d23 = padded[r + 3];
            r += wp;
            float d30 = padded[r], d31 = padded[r + 1], d32 = padded[r + 2], d33 = padded[r + 3];
            // Rows of B^T d are d0 - d2, d1 + d2, d2 - d1, d1 - d3; each row then times B the same way.
            inputRow(d00 - d20, d01 - d21, d02 - d22, d03 - d23, v, 0, at);
            inputRow(d10 + d20, d11 + d21, d12 + d22, d13 + d23, v, 4, at);
            inputRow(d20 - d10, d21 - d11, d22 - d12, d23 - d13, v, 8, at);
            inputRow(d10 - d30, d11 - d31, d12 - d32, d13 - d33, v, 12, at);
            if (++lane == w) { // the next panel
                lane = 0;
                at += panelStride - w + 1;
            } else {
                at++;
            }
            d += 2;
            if (++tx == l.tw) {
                tx = 0;
                d += 2 * wp - 2 * l.tw;
                if (++ty == l.th) {
                    ty = 0;
                    img++;
                    d = ((img * l.cin + c) * l.hp) * wp;
                }
            }
        }
    }

    private static void inputRow(float e0, float e1, float e2, float e3, float[][] v, int pos, int at) {
        v[pos][at] = e0 - e2;
        v[pos + 1][at] = e1 + e2;
        v[pos + 2][at] = e2 - e1;
        v[pos + 3][at] = e1 - e3;
    }

    /**
     * Y = A^T M A / 4 for tiles t0.. t0+n of every output channel, stored ({@code first}) or added to
     * the output planes ({@code out}, or {@code intOut} when that is not null). Per channel, the four
     * outputs of every tile go to four contiguous rows first (a loop the JIT vectorises), then to
     * their places in the output.
     */
    private static void transformOutput(float[] m, int stride, Layout l, int t0, int n, float[] out, int[] intOut,
            boolean first, float[] rows) {
        for (int co = 0; co < l.cout; co++) {
            for (int j = 0, i = co * n; j < n; j++, i++) {
                // A^T M: rows m0 + m1 + m2 and m1 - m2 - m3. In double: sums of up to nine |M| <= 2^24
                // are exact far below 2^53 (an int cast per element would cost a range check each).
                double s00 = (double) m[i] + m[i + 4 * stride] + m[i + 8 * stride];
                double s01 = (double) m[i + stride] + m[i + 5 * stride] + m[i + 9 * stride];
                double s02 = (double) m[i + 2 * stride] + m[i + 6 * stride] + m[i + 10 * stride];
                double s03 = (double) m[i + 3 * stride] + m[i + 7 * stride] + m[i + 11 * stride];
                double s10 = (double) m[i + 4 * stride] - m[i + 8 * stride] - m[i + 12 * stride];
                double s11 = (double) m[i + 5 * stride] - m[i + 9 * stride] - m[i + 13 * stride];
                double s12 = (double) m[i + 6 * stride] - m[i + 10 * stride] - m[i + 14 * stride];
                double s13 = (double) m[i + 7 * stride] - m[i + 11 * stride] - m[i + 15 * stride];
                // Y is 4 times the direct accumulator (class comment): the quarter is an exact integer
                // of magnitude <= 2^24 (a chunk's direct sums are bounded by the plan), so float holds it.
                rows[j] = (float) ((s00 + s01 + s02) * 0.25);
                rows[n + j] = (float) ((s01 - s02 - s03) * 0.25);
                rows[2 * n + j] = (float) ((s10 + s11 + s12) * 0.25);
                rows[3 * n + j] = (float) ((s11 - s12 - s13) * 0.25);
            }
            scatter(rows, n, l, t0, co, out, intOut, first);
        }
    }

    /** The 2x2 outputs of tiles t0.. t0+n (four rows of n) into channel co's planes, row of tiles by row of tiles. */
    private static void scatter(float[] rows, int n, Layout l, int t0, int co, float[] out, int[] intOut,
            boolean first) {
        int perImage = l.th * l.tw;
        for (int j = 0; j < n; ) {
            int t = t0 + j;
            int img = t / perImage;
            int ty = t % perImage / l.tw;
            int tx = t % l.tw;
            int len = Math.min(n - j, l.tw - tx);
            int o = ((img * l.cout + co) * l.oh + 2 * ty) * l.ow + 2 * tx;
            int pairs = Math.min(len, (l.ow - 2 * tx) / 2); // tiles with both columns inside
            boolean lower = 2 * ty + 1 < l.oh;
            if (intOut != null) {
                scatterRowInts(rows, j, n + j, pairs, len, intOut, o, first);
                if (lower) {
                    scatterRowInts(rows, 2 * n + j, 3 * n + j, pairs, len, intOut, o + l.ow, first);
                }
            } else {
                scatterRow(rows, j, n + j, pairs, len, out, o, first);
                if (lower) {
                    scatterRow(rows, 2 * n + j, 3 * n + j, pairs, len, out, o + l.ow, first);
                }
            }
            j += len;
        }
    }

    /** One output row of {@code len} tiles: both columns of the first {@code pairs}, the left one of the rest. */
    private static void scatterRow(float[] rows, int leftAt, int rightAt, int pairs, int len, float[] out, int o,
            boolean first) {
        if (first) {
            for (int k = 0; k < pairs; k++) {
                out[o + 2 * k] = rows[leftAt + k];
                out[o + 2 * k + 1] = rows[rightAt + k];
            }
            for (int k = pairs; k < len; k++) {
                out[o + 2 * k] = rows[leftAt + k];
            }
        } else {
            for (int k = 0; k < pairs; k++) {
                out[o + 2 * k] += rows[leftAt + k];
                out[o + 2 * k + 1] += rows[rightAt + k];
            }
            for (int k = pairs; k < len; k++) {
                out[o + 2 * k] += rows[leftAt + k];
            }
        }
    }

    /** {@link #scatterRow} into int32 accumulators: the rows hold exact integers. */
    private static void scatterRowInts(float[] rows, int leftAt, int rightAt, int pairs, int len, int[] out, int o,
            boolean first) {
        if (first) {
            for (int k = 0; k < pairs; k++) {
                out[o + 2 * k] = (int) rows[leftAt + k];
                out[o + 2 * k + 1] = (int) rows[rightAt + k];
            }
            for (int k = pairs; k < len; k++) {
                out[o + 2 * k] = (int) rows[leftAt + k];
            }
        } else {
            for (int k = 0; k < pairs; k++) {
                out[o + 2 * k] += (int) rows[leftAt + k];
                out[o + 2 * k + 1] += (int) rows[rightAt + k];
            }
            for (int k = pairs; k < len; k++) {
                out[o + 2 * k] += (int) rows[leftAt + k];
            }
        }
    }

    /** Per-thread buffers of one block: the 16 packed V panels and the 16 M matrices. */
    private static final class Scratch {
        private final float[][] v = new float[POS][0];
        private final GemmPacked[] panels = new GemmPacked[POS];
        private float[] m = new float[0];
        private float[] rows = new float[0];

        float[] rows(int size) {
            if (rows.length < size) {
                rows = new float[size];
            }
            return rows;
        }

        float[] m(int size) {
            if (m.length < size) {
                m = new float[size];
            }
            return m;
        }

        /** The 16 V operands for n tiles and {@code depth} channels; lanes past n are zero. */
        GemmPacked[] panels(int n, int depth, int nr, int kc) {
            int size = GemmPacked.size(n, depth, nr);
            for (int pos = 0; pos < POS; pos++) {
                if (v[pos].length < size) {
                    v[pos] = new float[size + SKEW * (pos + 1)];
                }
                if (panels[pos] == null || panels[pos].data() != v[pos] || panels[pos].extent() != n
                        || panels[pos].depth() != depth || panels[pos].width() != nr || panels[pos].kc() != kc) {
                    panels[pos] = new GemmPacked(v[pos], n, depth, nr, kc);
                }
                if (n % nr != 0) {
                    Arrays.fill(v[pos], 0, size, 0f); // the last panel's unused lanes
                }
            }
            return panels;
        }
    }

    private static int ceilDiv(int a, int b) {
        return (a + b - 1) / b;
    }
}
