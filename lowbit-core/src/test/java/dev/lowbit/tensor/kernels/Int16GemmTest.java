package dev.lowbit.tensor.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lowbit.tensor.Parallel;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Int16-run GEMM and convolution against the int32 references, at and below the int16 bound. */
class Int16GemmTest {
    private final Random rnd = new Random(71);

    /** 8-bit values whose |v - zp| is at most {@code max}; zero points fit the type. */
    private record Operand(byte[] bytes, boolean unsigned, int[] zp) {
    }

    private Operand operand(int count, int zps, int max, boolean unsigned) {
        int[] zp = new int[zps];
        byte[] b = new byte[count];
        for (int i = 0; i < zps; i++) {
            // Keep [zp - max, zp + max] inside the type when it fits, else clamp at its end.
            int lo = unsigned ? 0 : -128;
            int hi = unsigned ? 255 : 127;
            int zlo = Math.min(lo + max, (lo + hi) / 2);
            int zhi = Math.max(hi - max, (lo + hi) / 2);
            zp[i] = zlo + rnd.nextInt(zhi - zlo + 1);
        }
        for (int i = 0; i < count; i++) {
            int z = zp[zps == 1 ? 0 : i % zps];
            int v = z + rnd.nextInt(2 * max + 1) - max;
            v = Math.max(unsigned ? 0 : -128, Math.min(unsigned ? 255 : 127, v));
            b[i] = (byte) v;
        }
        return new Operand(b, unsigned, zp);
    }

    private int[] multiply(Int16GemmLoops loops, Operand a, Operand b, int m, int n, int k, int run, int cOff, int ldc) {
        Int16Gemm.Packed pa = Int16Gemm.pack(a.bytes, 0, a.unsigned, a.zp, m, k, k, 1, Int16GemmLoops.MR);
        Int16Gemm.Packed pb = Int16Gemm.pack(b.bytes, 0, b.unsigned, b.zp, n, k, 1, n, loops.nr());
        int[] c = new int[cOff + m * ldc];
        Arrays.fill(c, 0x5A5A5A5A);
        Int16Gemm.multiply(loops, pa, pb, c, cOff, ldc, run < 0 ? Int16Gemm.runLength(pa.maxAbs(), pb.maxAbs()) : run);
        int[] out = new int[m * n];
        for (int i = 0; i < m; i++) {
            System.arraycopy(c, cOff + i * ldc, out, i * n, n);
        }
        return out;
    }

    private static int[] reference(Operand a, Operand b, int m, int n, int k) {
        int[] c = new int[m * n];
        IntGemm.multiplyReference(a.bytes, 0, a.unsigned, a.zp, m, k, b.bytes, 0, b.unsigned, b.zp, n, c, 0);
        return c;
    }

    @Test
    void runLengthIsTheInt16Bound() {
        assertEquals(8, Int16Gemm.runLength(64, 63));
        assertEquals(4, Int16Gemm.runLength(127, 63));
        assertEquals(7, Int16Gemm.runLength(151, 31));
        assertEquals(1, Int16Gemm.runLength(181, 181));
        assertEquals(0, Int16Gemm.runLength(255, 255));
        assertEquals(Integer.MAX_VALUE, Int16Gemm.runLength(0, 200));
    }

    /** The centring shift is the floor midpoint; max|v - shift| is ceil((hi - lo) / 2), the least possible. */
    @Test
    void rangeCentresTheValues() {
        Int16Gemm.Range r = Int16Gemm.Range.of(new byte[] {(byte) 255, 3, 104}, 0, 3, true);
        assertEquals(new Int16Gemm.Range(3, 255), r);
        assertEquals(129, r.shift());
        assertEquals(126, r.maxAbs());
        Int16Gemm.Range s = Int16Gemm.Range.of(new byte[] {-128, 3, 0}, 1, 2, false);
        assertEquals(new Int16Gemm.Range(0, 3), s);
        assertEquals(1, s.shift());
        assertEquals(2, s.maxAbs());
        assertEquals(new Int16Gemm.Range(-98, 3), s.including(-98));
        assertEquals(-48, s.including(-98).shift()); // floor(-95 / 2)
        assertEquals(51, s.including(-98).maxAbs());
        assertEquals(new Int16Gemm.Range(0, 3), s.including(2));
        // 7-bit ReLU outputs with zero point 0: |x - xz| <= 127 gives r = 4, centred |x - 63| <= 64 gives 8.
        Int16Gemm.Range relu = new Int16Gemm.Range(0, 127);
        assertEquals(63, relu.shift());
        assertEquals(64, relu.maxAbs());
        assertEquals(8, Int16Gemm.runLength(relu.maxAbs(), 63));
        assertEquals(new Int16Gemm.Range(-128, 127), new Int16Gemm.Range(-128, 127).including(0));
        assertEquals(128, new Int16Gemm.Range(-128, 127).maxAbs());
        assertEquals(128, new Int16Gemm.Range(0, 255).maxAbs());
        assertEquals(0, Int16Gemm.Range.of(new byte[0], 0, 0, true).maxAbs());
        for (int lo = -128; lo <= 255; lo += 7) {
            for (int hi = lo; hi <= 255; hi += 5) {
                Int16Gemm.Range q = new Int16Gemm.Range(lo, hi);
                int best = Integer.MAX_VALUE;
                for (int c = lo; c <= hi; c++) {
                    best = Math.min(best, Math.max(c - lo, hi - c));
                }
                assertEquals(best, Math.max(q.shift() - lo, hi - q.shift()), lo + ".." + hi);
                assertEquals(best, q.maxAbs(), lo + ".." + hi);
                assertEquals((hi - lo + 1) / 2, q.maxAbs());
            }
        }
    }

    @Test
    void matchesInt32ReferenceOnRandomShapesAndRunLengths() {
        int before = Parallel.threads();
        int[][] bounds = {{127, 127}, {64, 63}, {127, 63}, {30, 20}, {7, 3}, {1, 1}, {90, 90}, {0, 50}};
        try {
            for (int threads = 1; threads <= 3; threads++) {
                Parallel.setThreads(threads);
                for (int t = 0; t < 40; t++) {
                    int m = 1 + rnd.nextInt(t % 5 == 0 ? 150 : 20);
                    int n = 1 + rnd.nextInt(t % 3 == 0 ? 700 : 90);
                    int k = 1 + rnd.nextInt(t % 4 == 0 ? 700 : 60);
                    int[] bd = bounds[t % bounds.length];
                    Operand a = operand(m * k, 1, bd[0], rnd.nextBoolean());
                    Operand b = operand(k * n, rnd.nextBoolean() ? 1 : n, bd[1], rnd.nextBoolean());
                    int ldc = n + rnd.nextInt(3);
                    int[] expected = reference(a, b, m, n, k);
                    String what = "m=" + m + " n=" + n + " k=" + k + " bound " + Arrays.toString(bd) + " threads " + threads;
                    assertArrayEquals(expected, multiply(Int16Gemm.loops(), a, b, m, n, k, -1, 5, ldc), what);
                    assertArrayEquals(expected, multiply(new ScalarInt16GemmLoops(Int16Gemm.nr()), a, b, m, n, k, -1, 0, n),
                            "scalar loops " + what);
                }
            }
        } finally {
            Parallel.setThreads(before);
        }
    }

    /**
     * Operands at the bound: every run of r products sums to exactly +-32767 in the int16 lanes;
     * one step more than r wraps (showing the test would catch a bound that is one too generous).
     */
    @Test
    void int16RunSumsReachThe32767BoundExactly() {
        int[][] cases = {{151, 31, 7}, {31, 151, 7}, {7, 31, 151}, {127, 1, 258}, {181, 181, 1}, {217, 151, 1}};
        for (int[] cs : cases) {
            int ma = cs[0], mb = cs[1];
            int run = Int16Gemm.runLength(ma, mb);
            assertEquals(32767 / (ma * mb), run);
            int m = 9, n = 133, k = 3 * run + 5;
            // A: unsigned with zero point 255 - ma, so byte 255 is +ma; rows alternate +ma and -ma where possible.
            Operand a = new Operand(new byte[m * k], true, new int[] {255 - ma});
            for (int i = 0; i < m; i++) {
                for (int p = 0; p < k; p++) {
                    boolean neg = (i % 2 == 1) && 255 - 2 * ma >= 0;
                    a.bytes[i * k + p] = (byte) (neg ? 255 - 2 * ma : 255);
                }
            }
            // B: signed, per-column zero points; every value is +mb (or -mb in odd columns where it fits).
            int[] bz = new int[n];
            byte[] bb = new byte[k * n];
            for (int j = 0; j < n; j++) {
                bz[j] = mb <= 127 ? 0 : 127 - mb;
                for (int p = 0; p < k; p++) {
                    bb[p * n + j] = (byte) (j % 2 == 1 && mb <= 128 ? -mb : bz[j] + mb);
                }
            }
            Operand b = new Operand(bb, false, bz);
            int[] expected = reference(a, b, m, n, k);
            assertEquals((long) ma * mb * k, expected[0], "the first output is ma * mb * k");
            int[] got = multiply(Int16Gemm.loops(), a, b, m, n, k, -1, 0, n);
            assertArrayEquals(expected, got, Arrays.toString(cs));
            assertArrayEquals(expected, multiply(new ScalarInt16GemmLoops(Int16Gemm.nr()), a, b, m, n, k, -1, 0, n));
            if (run + 1 <= Int16Gemm.KC) { // longer runs are cut at K blocks anyway
                int[] tooLong = multiply(Int16Gemm.loops(), a, b, m, n, k, run + 1, 0, n);
                assertFalse(Arrays.equals(expected, tooLong), "a run of r + 1 wraps " + Arrays.toString(cs));
            }
        }
    }

    @Test
    void convolutionMatchesIntConvReference() {
        record Case(int batch, int channels, int outChannels, int groups, int[] in, int[] kernel, int[] strides,
                    int[] dilations, int[] pads, String autoPad) {
        }
        Case[] cases = {
            new Case(1, 1, 1, 1, new int[] {5, 5}, new int[] {3, 3}, new int[] {1, 1}, new int[] {1, 1}, null, "NOTSET"),
            new Case(2, 4, 6, 2, new int[] {9, 7}, new int[] {3, 2}, new int[] {2, 1}, new int[] {1, 2}, new int[] {1, 0, 2, 1}, "NOTSET"),
            new Case(1, 8, 8, 8, new int[] {10, 10}, new int[] {3, 3}, new int[] {1, 1}, new int[] {1, 1}, new int[] {1, 1, 1, 1}, "NOTSET"),
            new Case(2, 3, 5, 1, new int[] {20}, new int[] {4}, new int[] {3}, new int[] {2}, new int[] {2, 3}, "NOTSET"),
            new Case(1, 2, 4, 1, new int[] {4, 5, 6}, new int[] {2, 3, 2}, new int[] {1, 2, 1}, new int[] {1, 1, 2}, new int[] {0, 1, 1, 1, 0, 1}, "NOTSET"),
            new Case(3, 16, 33, 1, new int[] {14, 14}, new int[] {3, 3}, new int[] {1, 1}, new int[] {1, 1}, new int[] {1, 1, 1, 1}, "NOTSET"),
            new Case(1, 64, 70, 1, new int[] {9, 9}, new int[] {3, 3}, new int[] {1, 1}, new int[] {1, 1}, null, "SAME_UPPER"),
        };
        int before = Parallel.threads();
        try {
            for (int threads = 1; threads <= 3; threads++) {
                Parallel.setThreads(threads);
                for (Case c : cases) {
                    for (int variant = 0; variant < 8; variant++) {
                        boolean xu = (variant & 1) != 0;
                        boolean wu = (variant & 2) != 0;
                        boolean perChannel = (variant & 4) != 0;
                        int xMax = variant < 4 ? 127 : 64;
                        IntConv.Geometry g = IntConv.Geometry.of(c.in, c.kernel, c.strides, c.dilations, c.pads, c.autoPad);
                        int kRows = c.channels / c.groups * g.kernelSize();
                        Operand x = operand(c.batch * c.channels * g.inSize(), 1, xMax, xu);
                        Operand w = operand(c.outChannels * kRows, perChannel ? c.outChannels : 1, 63, wu);
                        // Per-channel zero points index rows of w: regroup them by output channel.
                        if (perChannel) {
                            for (int i = 0; i < w.bytes.length; i++) {
                                w.bytes[i] = (byte) Math.max(wu ? 0 : -128, Math.min(wu ? 255 : 127,
                                        w.zp[i / kRows] + rnd.nextInt(127) - 63));
                            }
                        }
                        int[] expected = IntConv.convolveReference(x.bytes, xu, x.zp[0], c.batch, c.channels, w.bytes, wu,
                                w.zp, c.outChannels, c.groups, g);
                        Int16Gemm.Packed[] pw = Int16Conv.packWeights(w.bytes, wu, w.zp, c.outChannels, c.groups, kRows);
                        Int16Gemm.Range xr = Int16Gemm.Range.of(x.bytes, 0, x.bytes.length, xu).including(x.zp[0]);
                        int xm = Math.max(x.zp[0] - xr.lo(), xr.hi() - x.zp[0]);
                        int run = Int16Gemm.runLength(xm, Int16Conv.maxAbs(pw));
                        assertTrue(run >= 2, "run " + run);
                        // Uncentred: shift by the zero point itself, no correction.
                        int[] actual = Int16Conv.convolve(x.bytes, xu, x.zp[0], x.zp[0], null, c.batch, c.channels, pw,
                                c.outChannels, g, run);
                        assertArrayEquals(expected, actual, c + " variant " + variant + " threads " + threads);
                    }
                }
            }
        } finally {
            Parallel.setThreads(before);
        }
    }

    /**
     * Centred shift (x - c with c the midpoint of the data's range, widened by xz when padding is
     * read, plus (c - xz) * sum(w - wz)) on random 1-3 d geometries with pads 0..2, strides and
     * dilations 1..2, groups, u8/s8 inputs with xz inside, below or above the data, per-tensor and
     * per-channel weight zero points, 1-3 threads: equal to the int32 reference.
     */
    @Test
    void centredConvolutionMatchesIntConvReference() {
        int before = Parallel.threads();
        int centredWithPadding = 0;
        int trials = 0;
        try {
            for (int threads = 1; threads <= 3; threads++) {
                Parallel.setThreads(threads);
                for (int t = 0; t < 30; t++, trials++) {
                    int d = 1 + t % 3;
                    int groups = new int[] {1, 2, 3}[rnd.nextInt(3)];
                    int channels = groups * (1 + rnd.nextInt(d == 3 ? 3 : 6));
                    int outChannels = groups * (1 + rnd.nextInt(6));
                    int batch = 1 + rnd.nextInt(2);
                    int[] in = new int[d];
                    int[] kernel = new int[d];
                    int[] strides = new int[d];
                    int[] dil = new int[d];
                    int[] pads = new int[2 * d];
                    for (int a = 0; a < d; a++) {
                        in[a] = 3 + rnd.nextInt(d == 3 ? 4 : 9);
                        kernel[a] = 1 + rnd.nextInt(3);
                        strides[a] = 1 + rnd.nextInt(2);
                        dil[a] = 1 + rnd.nextInt(2);
                        pads[a] = rnd.nextInt(3);
                        pads[a + d] = rnd.nextInt(3);
                    }
                    IntConv.Geometry g;
                    try {
                        g = IntConv.Geometry.of(in, kernel, strides, dil, pads, "NOTSET");
                    } catch (IllegalArgumentException empty) {
                        continue;
                    }
                    boolean xu = rnd.nextBoolean();
                    boolean wu = rnd.nextBoolean();
                    int lo = xu ? 0 : -128;
                    int span = rnd.nextInt(2) == 0 ? 127 : rnd.nextInt(128);
                    int from = lo + rnd.nextInt(256 - span);
                    byte[] x = new byte[batch * channels * g.inSize()];
                    for (int i = 0; i < x.length; i++) {
                        x[i] = (byte) (from + rnd.nextInt(span + 1));
                    }
                    // xz inside the data's range, below it or above it (clamped to the type).
                    int xz = switch (t % 3) {
                        case 0 -> from + rnd.nextInt(span + 1);
                        case 1 -> Math.max(lo, from - 1 - rnd.nextInt(40));
                        default -> Math.min(lo + 255, from + span + 1 + rnd.nextInt(40));
                    };
                    int kRows = channels / groups * g.kernelSize();
                    Operand w = operand(outChannels * kRows, rnd.nextBoolean() ? 1 : outChannels, 63, wu);
                    for (int i = 0; i < w.bytes.length; i++) { // per-channel zero points index output channels
                        int z = w.zp[w.zp.length == 1 ? 0 : i / kRows];
                        w.bytes[i] = (byte) Math.max(wu ? 0 : -128, Math.min(wu ? 255 : 127, z + rnd.nextInt(127) - 63));
                    }
                    Int16Gemm.Packed[] pw = Int16Conv.packWeights(w.bytes, wu, w.zp, outChannels, groups, kRows);
                    Int16Gemm.Range range = Int16Gemm.Range.of(x, 0, x.length, xu);
                    boolean padded = Int16Conv.readsPadding(g);
                    if (padded) {
                        range = range.including(xz);
                    }
                    int run = Int16Gemm.runLength(range.maxAbs(), Int16Conv.maxAbs(pw));
                    assertTrue(run >= 4 && range.maxAbs() <= 128, "run " + run + " range " + range);
                    if (padded && range.shift() != xz) {
                        centredWithPadding++;
                    }
                    int[] expected = IntConv.convolveReference(x, xu, xz, batch, channels, w.bytes, wu, w.zp, outChannels,
                            groups, g);
                    int[] actual = Int16Conv.convolve(x, xu, xz, range.shift(), Int16Conv.weightSums(pw), batch, channels,
                            pw, outChannels, g, run);
                    assertArrayEquals(expected, actual, "trial " + t + " threads " + threads + " in " + Arrays.toString(in)
                            + " kernel " + Arrays.toString(kernel) + " pads " + Arrays.toString(pads) + " groups " + groups
                            + " xz " + xz + " range " + range);
                }
            }
        } finally {
            Parallel.setThreads(before);
        }
        assertTrue(centredWithPadding > trials / 2, centredWithPadding + " of " + trials + " centred with padding");
    }

    /**
     * At the bound: u8 input all 129 with xz = 0 and padding, so the centred range is [0, 129],
     * c = 64, max|x - c| = 65, and with weights +-63 the run length is 32767 / (65 * 63) = 8: every
     * run over interior taps sums to +-8 * 65 * 63 = +-32760 in the int16 lanes. The result equals
     * the reference; runs of 9 (+-36855) wrap and differ, so the bound is tight.
     */
    @Test
    void centredRunsOfEightReachTheInt16Bound() {
        int channels = 16;
        int outChannels = 6;
        IntConv.Geometry g = IntConv.Geometry.of(new int[] {6, 6}, new int[] {3, 3}, new int[] {1, 1},
                new int[] {1, 1}, new int[] {1, 1, 1, 1}, "NOTSET");
        byte[] x = new byte[channels * 36];
        Arrays.fill(x, (byte) 129);
        int kRows = channels * 9;
        byte[] w = new byte[outChannels * kRows];
        for (int i = 0; i < w.length; i++) {
            w[i] = (byte) ((i / kRows) % 2 == 0 ? 63 : -63);
        }
        Int16Gemm.Packed[] pw = Int16Conv.packWeights(w, false, new int[] {0}, outChannels, 1, kRows);
        assertTrue(Int16Conv.readsPadding(g));
        Int16Gemm.Range range = Int16Gemm.Range.of(x, 0, x.length, true).including(0);
        assertEquals(new Int16Gemm.Range(0, 129), range);
        assertEquals(64, range.shift());
        assertEquals(65, range.maxAbs());
        int run = Int16Gemm.runLength(range.maxAbs(), Int16Conv.maxAbs(pw));
        assertEquals(8, run);
        assertEquals(32760, run * 65 * 63);
        assertTrue(9 * 65 * 63 > Short.MAX_VALUE);
        int[] sums = Int16Conv.weightSums(pw);
        assertEquals(63 * kRows, sums[0]);
        assertEquals(-63 * kRows, sums[1]);
        int[] expected = IntConv.convolveReference(x, true, 0, 1, channels, w, false, new int[] {0}, outChannels, 1, g);
        int interior = 6 + 1; // output (1, 1) reads no padding
        assertEquals(129 * 63 * kRows, expected[interior]);
        assertEquals(-129 * 63 * kRows, expected[36 + interior]);
        assertEquals(129 * 63 * channels * 4, expected[0]); // corner: 4 of 9 taps inside
        for (Int16GemmLoops loops : new Int16GemmLoops[] {Int16Gemm.loops(), new ScalarInt16GemmLoops(Int16Gemm.nr())}) {
            assertArrayEquals(expected, convolve(loops, x, pw, sums, g, channels, outChannels, run));
            int[] tooLong = convolve(loops, x, pw, sums, g, channels, outChannels, run + 1);
            assertFalse(Arrays.equals(expected, tooLong), "runs of 9 wrap");
        }
    }

    /** Int16Conv.convolve's steps with explicit loops: centred im2col, pack, multiply, correction. */
    private static int[] convolve(Int16GemmLoops loops, byte[] x, Int16Gemm.Packed[] pw, int[] sums, IntConv.Geometry g,
            int channels, int outChannels, int run) {
        int kRows = channels * g.kernelSize();
        int[] cols = new int[kRows * g.outSize()];
        IntConv.im2col(x, 0, true, 64, -64, channels, g, cols);
        Int16Gemm.Packed b = Int16Gemm.packRows(cols, 0, kRows, g.outSize(), null);
        assertEquals(65, b.maxAbs());
        int[] acc = new int[outChannels * g.outSize()];
        Int16Gemm.multiply(loops, pw[0], b, acc, 0, g.outSize(), run);
        for (int m = 0; m < outChannels; m++) {
            for (int o = 0; o < g.outSize(); o++) {
                acc[m * g.outSize() + o] += 64 * sums[m];
            }
        }
        if (loops == Int16Gemm.loops()) { // the library's own paths agree, wrapping alike past the bound
            assertArrayEquals(acc, Int16Conv.convolve(x, true, 0, 64, sums, 1, channels, pw, outChannels, g, run));
            assertArrayEquals(acc, Int16DirectConv.convolve(x, true, 0, 64, sums, 1, channels, pw, outChannels, g, run));
        }
        return acc;
    }
}
