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
        assertEquals(151, Int16Gemm.maxAbsShifted(new byte[] {(byte) 255, 3, 104}, 0, 3, true, 104));
        assertEquals(101, Int16Gemm.maxAbsShifted(new byte[] {-128, 3, 0}, 1, 2, false, -98));
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
                        int xm = Int16Gemm.maxAbsShifted(x.bytes, 0, x.bytes.length, xu, x.zp[0]);
                        int run = Int16Gemm.runLength(xm, Int16Conv.maxAbs(pw));
                        assertTrue(run >= 2, "run " + run);
                        int[] actual = Int16Conv.convolve(x.bytes, xu, x.zp[0], c.batch, c.channels, pw, c.outChannels, g, run);
                        assertArrayEquals(expected, actual, c + " variant " + variant + " threads " + threads);
                    }
                }
            }
        } finally {
            Parallel.setThreads(before);
        }
    }
}
