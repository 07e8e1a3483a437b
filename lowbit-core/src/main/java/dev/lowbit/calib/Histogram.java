package dev.lowbit.calib;

/**
 * An immutable histogram snapshot: bin {@code i} covers
 * {@code [(base + i) * binWidth, (base + i + 1) * binWidth)}. For an absolute-value histogram
 * {@code base} is 0 and the bins cover [0, numBins * binWidth).
 *
 * @param absolute whether the values binned are |x| (symmetric calibration) rather than x
 * @param min      smallest finite value seen (of |x| when absolute; 0 when empty)
 * @param max      largest finite value seen (of |x| when absolute; 0 when empty)
 * @param total    number of finite values binned
 */
public record Histogram(long[] counts, double binWidth, long base, boolean absolute, float min, float max,
                        long total, long nonFinite) {

    public int numBins() {
        return counts.length;
    }

    /** Left edge of bin {@code i} ({@code i == numBins} gives the right edge of the last bin). */
    public double edge(int i) {
        return (base + i) * binWidth;
    }

    /** One past the last non-empty bin (0 when empty). */
    public int usedBins() {
        for (int i = counts.length - 1; i >= 0; i--) {
            if (counts[i] != 0) {
                return i + 1;
            }
        }
        return 0;
    }

    /** max(|min|, |max|) of the values seen. */
    public float amax() {
        return Math.max(Math.abs(min), Math.abs(max));
    }

    /**
     * The histogram of |x| derived from a histogram of x: bin k of x (k < 0) holds values in
     * [k·w, (k+1)·w), whose magnitudes fall in bin -k-1 of |x| (exactly, but for values on a bin
     * edge). Returns this histogram when it is already absolute.
     */
    public Histogram folded() {
        if (absolute) {
            return this;
        }
        int n = counts.length;
        long[] abs = new long[n];
        for (int i = 0; i < n; i++) {
            long k = base + i;
            long j = k >= 0 ? k : -k - 1;
            if (j >= n) { // cannot happen: the window spans at most n bins and contains 0
                throw new IllegalStateException("histogram bin " + k + " beyond " + n + " bins");
            }
            abs[(int) j] += counts[i];
        }
        return new Histogram(abs, binWidth, 0, true, 0, amax(), total, nonFinite);
    }
}
