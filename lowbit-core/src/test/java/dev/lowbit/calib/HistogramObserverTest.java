package dev.lowbit.calib;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HistogramObserverTest {
    static float[] gaussian(long seed, int n, double mean, double sigma) {
        Random r = new Random(seed);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) (mean + sigma * r.nextGaussian());
        }
        return x;
    }

    private static HistogramObserver observeInBatches(boolean absolute, float[] x, int batch) {
        HistogramObserver o = new HistogramObserver(absolute, 2048);
        for (int i = 0; i < x.length; i += batch) {
            o.observe(x, i, Math.min(batch, x.length - i));
        }
        return o;
    }

    private static void assertSame(Histogram a, Histogram b) {
        assertArrayEquals(a.counts(), b.counts());
        assertEquals(a.binWidth(), b.binWidth());
        assertEquals(a.base(), b.base());
        assertEquals(a.total(), b.total());
        assertEquals(a.min(), b.min());
        assertEquals(a.max(), b.max());
    }

    @Test
    void independentOfBatchSizeAndOrder() {
        float[] x = gaussian(3, 50_000, 0.7, 2);
        // grow the range late: the largest values come last
        for (int i = 49_990; i < 50_000; i++) {
            x[i] = 40 + i % 3 - (i % 2) * 90;
        }
        for (boolean absolute : new boolean[] {true, false}) {
            Histogram once = observeInBatches(absolute, x, x.length).histogram();
            for (int batch : new int[] {1, 7, 1000, 4096}) {
                assertSame(once, observeInBatches(absolute, x, batch).histogram());
            }
            float[] reversed = new float[x.length];
            for (int i = 0; i < x.length; i++) {
                reversed[i] = x[x.length - 1 - i];
            }
            assertSame(once, observeInBatches(absolute, reversed, 999).histogram());
        }
    }

    @Test
    void binsMatchDirectBinningAtTheFinalWidth() {
        float[] x = gaussian(4, 20_000, -1, 3);
        for (boolean absolute : new boolean[] {true, false}) {
            Histogram h = observeInBatches(absolute, x, 333).histogram();
            long[] direct = new long[h.numBins()];
            for (float v : x) {
                double a = absolute ? Math.abs(v) : v;
                direct[(int) ((long) Math.floor(a / h.binWidth()) - h.base())]++;
            }
            assertArrayEquals(direct, h.counts());
            // power-of-two width, the data fills more than half of the window
            assertEquals(h.binWidth(), Math.scalb(1.0, Math.getExponent(h.binWidth())));
            assertTrue(h.usedBins() > h.numBins() / 2 || h.base() < 0, "used " + h.usedBins());
        }
    }

    @Test
    void mergeEqualsObservingTheUnion() {
        float[] a = gaussian(5, 10_000, 0, 1);
        float[] b = gaussian(6, 7_000, 3, 10);
        float[] both = new float[a.length + b.length];
        System.arraycopy(a, 0, both, 0, a.length);
        System.arraycopy(b, 0, both, a.length, b.length);
        for (boolean absolute : new boolean[] {true, false}) {
            HistogramObserver oa = observeInBatches(absolute, a, 100);
            HistogramObserver ob = observeInBatches(absolute, b, 100);
            HistogramObserver zeros = new HistogramObserver(absolute, 2048);
            zeros.observe(new float[5], 0, 5);
            HistogramObserver ou = observeInBatches(absolute, both, both.length);
            ou.observe(new float[5], 0, 5);
            ob.merge(zeros);
            oa.merge(ob);
            assertSame(ou.histogram(), oa.histogram());
            // merging into an empty observer, and the other way round
            HistogramObserver empty = new HistogramObserver(absolute, 2048);
            empty.merge(ou);
            assertSame(ou.histogram(), empty.histogram());
        }
    }

    @Test
    void degenerateInputs() {
        HistogramObserver o = HistogramObserver.symmetric();
        o.observe(new float[] {0, 0, Float.NaN, 0}, 0, 4);
        Histogram h = o.histogram();
        assertEquals(3, h.total());
        assertEquals(1, h.nonFinite());
        assertEquals(3, h.counts()[0]);
        o.observe(new float[] {Float.POSITIVE_INFINITY, 5e-40f}, 0, 2); // subnormal value
        h = o.histogram();
        assertEquals(4, h.total());
        assertEquals(2, h.nonFinite());
        assertEquals(5e-40f, h.max());
        HistogramObserver single = HistogramObserver.asymmetric();
        single.observe(new float[] {-3.5f, -3.5f}, 0, 2);
        Histogram s = single.histogram();
        assertEquals(-3.5f, s.min());
        assertEquals(2, s.counts()[(int) (Math.floor(-3.5 / s.binWidth()) - s.base())]);
    }
}
