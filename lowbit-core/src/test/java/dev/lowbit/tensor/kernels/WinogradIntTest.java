package dev.lowbit.tensor.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lowbit.tensor.Parallel;
import java.util.Arrays;
import java.util.Random;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * Winograd F(2x2, 3x3) accumulators equal the int32 convolution's bit for bit: random geometries
 * (odd and size-1 maps, padding 0/1 on each side, u8/s8 with zero points, per-tensor and
 * per-channel weight zero points), saturating extremes, and inputs that need input-channel chunks.
 */
class WinogradIntTest {
    private static final int[] THREADS = {1, 2, 3};

    @Test
    void randomGeometriesEqualTheInt32Convolution() {
        Random r = new Random(11);
        int ran = 0;
        for (int trial = 0; trial < 60; trial++) {
            int cin = 1 + r.nextInt(70);
            int cout = 1 + r.nextInt(70);
            int batch = 1 + r.nextInt(3);
            int[] pads = {r.nextInt(2), r.nextInt(2), r.nextInt(2), r.nextInt(2)};
            int h = Math.max(3 - pads[0] - pads[2], 1 + r.nextInt(20));
            int w = Math.max(3 - pads[1] - pads[3], 1 + r.nextInt(20));
            boolean xu = r.nextBoolean();
            boolean wu = r.nextBoolean();
            // Weight spread around the zero point: small enough that the direct bound mostly holds.
            int spread = new int[] {3, 20, 60, 127}[r.nextInt(4)];
            int[] wz = new int[r.nextBoolean() ? 1 : cout];
            for (int i = 0; i < wz.length; i++) {
                wz[i] = (wu ? 128 : 0) + r.nextInt(11) - 5;
            }
            byte[] wt = new byte[cout * cin * 9];
            for (int i = 0; i < wt.length; i++) {
                int z = wz.length == 1 ? wz[0] : wz[i / (cin * 9)];
                wt[i] = (byte) clamp(z + r.nextInt(2 * spread + 1) - spread, wu);
            }
            byte[] x = randomBytes(r, batch * cin * h * w, xu, r.nextInt(5) == 0);
            int xz = (xu ? 0 : -128) + r.nextInt(256);
            if (check(x, xu, xz, batch, cin, h, w, wt, wu, wz, cout, pads, "trial " + trial)) {
                ran++;
            }
        }
        assertTrue(ran >= 40, "Winograd ran in only " + ran + " of 60 trials");
    }

    @Test
    void extremeValuesNeedChannelChunksAndStayExact() {
        // w - wz = 127 everywhere, x - xz = 255 everywhere: the direct bound 255 * 40 * 9 * 127 = 11.7e6
        // holds, the Winograd one 1020 * 40 * 1143 = 46.6e6 does not, so channels go in chunks of 14.
        int cin = 40;
        int cout = 5;
        byte[] wt = new byte[cout * cin * 9];
        Arrays.fill(wt, (byte) 127);
        byte[] x = new byte[2 * cin * 7 * 9];
        Arrays.fill(x, (byte) 255);
        int[] pads = {1, 1, 1, 1};
        assertTrue(check(x, true, 0, 2, cin, 7, 9, wt, false, new int[] {0}, cout, pads, "all extreme"));
        WinogradWeights weights = WinogradWeights.prepare(wt, false, new int[] {0}, cout, cin);
        assertEquals(4, weights.plan(1020).bounds().length, "three chunks of at most 14 channels");
        assertEquals(2, weights.plan(250).bounds().length, "one chunk when the input is small");
        // s8 input saturated at -128 against zero point 127: |x - xz| = 255 again.
        byte[] xs = new byte[cin * 5 * 5];
        Arrays.fill(xs, (byte) -128);
        assertTrue(check(xs, false, 127, 1, cin, 5, 5, wt, false, new int[] {0}, cout, pads, "s8 extreme"));
    }

    /**
     * A ReLU's 7-bit range [0, 127] with xz = 0 against 150 channels of +-127 weights:
     * 127 * 150 * 9 * 127 = 21.8e6 > 2^24 bounds the uncentred sums, but centred on 63 (|x - c| <= 64)
     * 64 * 171450 = 11.0e6 fits, and the corrected accumulators of random-sign weights stay small.
     */
    @Test
    void centringMakesReluRangesFit() {
        Random r = new Random(5);
        int cin = 150;
        int cout = 3;
        byte[] wt = new byte[cout * cin * 9];
        for (int i = 0; i < wt.length; i++) {
            wt[i] = (byte) (r.nextBoolean() ? 127 : -127);
        }
        byte[] x = new byte[2 * cin * 6 * 7];
        for (int i = 0; i < x.length; i++) {
            x[i] = (byte) r.nextInt(128);
        }
        x[0] = 127;
        assertTrue(127d * cin * 9 * 127 > WinogradInt.EXACT_LIMIT);
        assertTrue(check(x, true, 0, 2, cin, 6, 7, wt, false, new int[] {0}, cout, new int[] {1, 1, 1, 1}, "relu 7-bit"));
    }

    @Test
    void pastTheDirectBoundReturnsNull() {
        // 255 * 60 * 9 * 127 = 17.5e6 > 2^24: the float accumulators could not hold the result (centred
        // on 127 the sums fit, but the correction back to x - xz leaves float's exact range).
        int cin = 60;
        byte[] wt = new byte[cin * 9];
        Arrays.fill(wt, (byte) 127);
        byte[] x = new byte[cin * 16];
        Arrays.fill(x, (byte) 255);
        IntConv.Geometry g = geometry(4, 4, new int[] {0, 0, 0, 0});
        WinogradWeights weights = WinogradWeights.prepare(wt, false, new int[] {0}, 1, cin);
        assertNull(WinogradInt.convolve(weights, x, true, 0, 1, g));
        assertNotNull(WinogradInt.convolve(weights, x, true, 128, 1, g), "a mid zero point halves |x - xz|");
    }

    /**
     * ResNet-18-like widths: 300 channels of weights spread over the whole int8 range against full
     * 8-bit inputs. The float way declines (the direct bound is about 5x past 2^24); the int32 way
     * adds exact chunks in int and equals the int32 convolution, centred (xz far from the middle)
     * or not, with padding, odd maps and per-channel zero points.
     */
    @Test
    void pastTheDirectBoundTheInt32WayIsExact() {
        Random r = new Random(23);
        int cin = 300;
        int cout = 7;
        int[] wz = {0, 3, -2, 0, 1, 0, -1};
        byte[] wt = new byte[cout * cin * 9];
        for (int i = 0; i < wt.length; i++) {
            wt[i] = (byte) clamp(wz[i / (cin * 9)] + r.nextInt(255) - 127, false);
        }
        for (int xz : new int[] {0, 128, 255}) {
            byte[] x = randomBytes(r, 2 * cin * 7 * 5, true, xz == 255);
            IntConv.Geometry g = geometry(7, 5, new int[] {1, 0, 1, 1});
            WinogradWeights weights = WinogradWeights.prepare(wt, false, wz, cout, cin);
            assertNull(WinogradInt.convolve(weights, x, true, xz, 2, g), "float sums cannot hold these");
            assertTrue(weights.plan(4 * 128).bounds().length > 2, "chunks");
            checkInts(x, true, xz, 2, cin, 7, 5, wt, false, wz, cout, new int[] {1, 0, 1, 1}, "xz " + xz);
        }
    }

    /**
     * Both ways ({@link WinogradInt#convolve}, {@link WinogradInt#convolveInts}) against the int32
     * kernels under 1, 2 and 3 threads; false when the float way declined (null).
     */
    private static boolean check(byte[] x, boolean xu, int xz, int batch, int cin, int h, int w, byte[] wt, boolean wu,
            int[] wz, int cout, int[] pads, String what) {
        IntConv.Geometry g = geometry(h, w, pads);
        WinogradWeights weights = WinogradWeights.prepare(wt, wu, wz, cout, cin);
        boolean ran = onThreads(x, xu, xz, batch, cin, wt, wu, wz, cout, g, what, () -> {
            float[] acc = WinogradInt.convolve(weights, x, xu, xz, batch, g);
            return acc == null ? null : toInts(acc);
        });
        if (ran) {
            checkInts(x, xu, xz, batch, cin, h, w, wt, wu, wz, cout, pads, what);
        }
        return ran;
    }

    /** {@link WinogradInt#convolveInts} against the int32 kernels under 1, 2 and 3 threads. */
    private static void checkInts(byte[] x, boolean xu, int xz, int batch, int cin, int h, int w, byte[] wt, boolean wu,
            int[] wz, int cout, int[] pads, String what) {
        IntConv.Geometry g = geometry(h, w, pads);
        WinogradWeights weights = WinogradWeights.prepare(wt, wu, wz, cout, cin);
        assertTrue(onThreads(x, xu, xz, batch, cin, wt, wu, wz, cout, g, what + " (int32 way)",
                () -> WinogradInt.convolveInts(weights, x, xu, xz, batch, g)), what + ": the int32 way declined");
    }

    /** {@code way}'s accumulators equal the int32 kernels' on 1, 2 and 3 threads; false when it returns null. */
    private static boolean onThreads(byte[] x, boolean xu, int xz, int batch, int cin, byte[] wt, boolean wu, int[] wz,
            int cout, IntConv.Geometry g, String what, Supplier<int[]> way) {
        int[] expected = IntConv.convolve(x, xu, xz, batch, cin, wt, wu, wz, cout, 1, g);
        int before = Parallel.threads();
        try {
            for (int threads : THREADS) {
                Parallel.setThreads(threads);
                int[] got = way.get();
                if (got == null) {
                    return false;
                }
                assertArrayEquals(expected, got, what + " cin " + cin + " cout " + cout + " " + Arrays.toString(g.in())
                        + " batch " + batch + " pads " + Arrays.toString(g.padsBegin()) + " with " + threads + " threads");
            }
        } finally {
            Parallel.setThreads(before);
        }
        return true;
    }

    private static int[] toInts(float[] acc) {
        int[] out = new int[acc.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = (int) acc[i];
        }
        return out;
    }

    private static IntConv.Geometry geometry(int h, int w, int[] pads) {
        return IntConv.Geometry.of(new int[] {h, w}, new int[] {3, 3}, new int[] {1, 1}, new int[] {1, 1}, pads, "NOTSET");
    }

    /** Random 8-bit values; {@code extremes}: only the type's minimum and maximum. */
    private static byte[] randomBytes(Random r, int n, boolean unsigned, boolean extremes) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            int v = extremes ? (r.nextBoolean() ? 255 : 0) : r.nextInt(256);
            b[i] = (byte) (unsigned ? v : v - 128);
        }
        return b;
    }

    private static int clamp(int v, boolean unsigned) {
        return unsigned ? Math.min(255, Math.max(0, v)) : Math.min(127, Math.max(-128, v));
    }
}
