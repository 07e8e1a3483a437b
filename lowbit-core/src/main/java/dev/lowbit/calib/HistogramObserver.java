package dev.lowbit.calib;

import dev.lowbit.LowbitException;
import dev.lowbit.tensor.kernels.FloatStats;

/**
 * A fixed-size histogram (2048 bins by default) of |x| (symmetric calibration) or of x
 * (asymmetric), whose range grows as data arrives.
 *
 * <p>Bins have a power-of-two width {@code w} and are anchored at 0: a value lands in absolute bin
 * {@code floor(x / w)} (exact: dividing by a power of two). The width is always the smallest power
 * of two for which the bins spanned by [min(x, 0), max(x, 0)] fit in the window; when data exceeds
 * it the width doubles and bin pairs merge ({@code floor(k / 2)}), which is exactly where the
 * values would have landed at the wider width. So the histogram depends only on the multiset of
 * values — not on batch size, batch order or sharding — and {@link #merge} equals observing the
 * union. The cost: the data fills between half and all of the bins.
 */
public final class HistogramObserver implements Observer {
    public static final int DEFAULT_BINS = 2048;

    private final boolean absolute;
    private final int numBins;
    private long[] counts;
    private boolean hasWidth;
    private int exp;          // bin width = 2^exp, valid when hasWidth
    private long base;        // absolute bin index of counts[0]
    private long pendingZeros; // zeros seen before any nonzero value fixed the width
    private float lo = 0;     // min(values, 0)
    private float hi = 0;     // max(values, 0)
    private float seenMin = Float.POSITIVE_INFINITY;
    private float seenMax = Float.NEGATIVE_INFINITY;
    private long count;
    private long nonFinite;

    /** @param absolute histogram |x| (for symmetric ranges) rather than x */
    public HistogramObserver(boolean absolute, int numBins) {
        if (numBins < 16) {
            throw new LowbitException("a calibration histogram needs at least 16 bins, got " + numBins);
        }
        this.absolute = absolute;
        this.numBins = numBins;
        this.counts = new long[numBins];
    }

    public static HistogramObserver symmetric() {
        return new HistogramObserver(true, DEFAULT_BINS);
    }

    public static HistogramObserver asymmetric() {
        return new HistogramObserver(false, DEFAULT_BINS);
    }

    public boolean isAbsolute() {
        return absolute;
    }

    @Override
    public void observe(float[] data, int offset, int length) {
        float[] acc = {Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY};
        long bad = FloatStats.minMaxFinite(data, offset, length, acc);
        nonFinite += bad;
        long good = length - bad;
        if (good == 0) {
            return;
        }
        count += good;
        float bmin = acc[0];
        float bmax = acc[1];
        if (absolute) {
            float a = Math.max(Math.abs(bmin), Math.abs(bmax));
            bmin = minAbs(data, offset, length);
            bmax = a;
        }
        seenMin = Math.min(seenMin, bmin);
        seenMax = Math.max(seenMax, bmax);
        float newLo = Math.min(lo, bmin);
        float newHi = Math.max(hi, bmax);
        if (newLo == 0 && newHi == 0) {
            if (hasWidth) {
                counts[(int) (0 - base)] += good;
            } else {
                pendingZeros += good;
            }
            return;
        }
        grow(newLo, newHi);
        double inv = Math.scalb(1.0, -exp);
        long b = base;
        long[] c = counts;
        for (int i = offset, end = offset + length; i < end; i++) {
            float v = data[i];
            if (Float.isFinite(v)) {
                double x = absolute ? Math.abs(v) : v;
                c[(int) ((long) Math.floor(x * inv) - b)]++;
            }
        }
    }

    private static float minAbs(float[] data, int offset, int length) {
        float m = Float.POSITIVE_INFINITY;
        for (int i = offset, end = offset + length; i < end; i++) {
            float v = Math.abs(data[i]);
            if (v < m) { // NaN compares false, infinities never win
                m = v;
            }
        }
        return m;
    }

    /** Widens bins and moves the window so that [newLo, newHi] (which contains 0) fits. */
    private void grow(float newLo, float newHi) {
        int e = Math.getExponent((double) Math.max(-newLo, newHi)) - 31 + Integer.numberOfLeadingZeros(numBins - 1);
        if (hasWidth) {
            e = Math.max(e, exp);
        }
        while (!fits(newLo, newHi, e)) {
            e++;
        }
        long newBase = index(newLo, e);
        if (!hasWidth) {
            exp = e;
            base = newBase;
            hasWidth = true;
            counts[(int) (0 - base)] += pendingZeros;
            pendingZeros = 0;
        } else if (e != exp || newBase != base) {
            relocate(e, newBase);
        }
        lo = newLo;
        hi = newHi;
    }

    private boolean fits(float l, float h, int e) {
        return index(h, e) - index(l, e) < numBins;
    }

    private static long index(double x, int e) {
        return (long) Math.floor(x * Math.scalb(1.0, -e));
    }

    private void relocate(int newExp, long newBase) {
        long[] out = new long[numBins];
        int shift = newExp - exp;
        for (int i = 0; i < numBins; i++) {
            if (counts[i] != 0) {
                long k = (base + i) >> shift; // arithmetic shift = floor division by 2^shift
                out[(int) (k - newBase)] += counts[i];
            }
        }
        counts = out;
        exp = newExp;
        base = newBase;
    }

    @Override
    public void merge(Observer other) {
        if (!(other instanceof HistogramObserver o) || o.absolute != absolute || o.numBins != numBins) {
            throw new LowbitException("cannot merge " + other + " into " + this);
        }
        count += o.count;
        nonFinite += o.nonFinite;
        seenMin = Math.min(seenMin, o.seenMin);
        seenMax = Math.max(seenMax, o.seenMax);
        if (!o.hasWidth) {
            if (hasWidth) {
                counts[(int) (0 - base)] += o.pendingZeros;
            } else {
                pendingZeros += o.pendingZeros;
            }
            return;
        }
        HistogramObserver src = o.copy();
        float newLo = Math.min(lo, o.lo);
        float newHi = Math.max(hi, o.hi);
        grow(newLo, newHi);
        src.grow(newLo, newHi);
        if (src.exp != exp || src.base != base) {
            src.relocate(exp, base);
        }
        for (int i = 0; i < numBins; i++) {
            counts[i] += src.counts[i];
        }
    }

    private HistogramObserver copy() {
        HistogramObserver c = new HistogramObserver(absolute, numBins);
        c.counts = counts.clone();
        c.hasWidth = hasWidth;
        c.exp = exp;
        c.base = base;
        c.pendingZeros = pendingZeros;
        c.lo = lo;
        c.hi = hi;
        return c;
    }

    /** A snapshot of the histogram (an empty or all-zero one has bin width 1). */
    public Histogram histogram() {
        long[] c = counts.clone();
        double w = hasWidth ? Math.scalb(1.0, exp) : 1.0;
        long b = hasWidth ? base : 0;
        if (!hasWidth) {
            c[0] += pendingZeros;
        }
        boolean empty = count == 0;
        return new Histogram(c, w, b, absolute, empty ? 0 : seenMin, empty ? 0 : seenMax, count, nonFinite);
    }

    /** The max calibration range: [-amax, amax] (absolute) or [min, max]. */
    @Override
    public Ranges range() {
        Histogram h = histogram();
        return absolute ? Ranges.symmetric(h.max(), nonFinite) : Ranges.of(h.min(), h.max(), nonFinite);
    }

    @Override
    public long count() {
        return count;
    }

    @Override
    public long nonFiniteCount() {
        return nonFinite;
    }

    @Override
    public String toString() {
        return "HistogramObserver(" + (absolute ? "|x|" : "x") + ", " + numBins + " bins)";
    }
}
