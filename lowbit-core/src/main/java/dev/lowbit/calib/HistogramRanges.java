package dev.lowbit.calib;

import dev.lowbit.LowbitException;
import dev.lowbit.quant.QuantParams;
import dev.lowbit.quant.QuantScheme;

/**
 * Range choosers over a calibration {@link Histogram}: percentile, entropy (KL divergence, as
 * TensorRT) and MSE. Values inside a bin are treated as uniformly spread over it. Every result is
 * clipped to the observed data range; empty histograms give [0, 0].
 */
public final class HistogramRanges {
    private HistogramRanges() {
    }

    /**
     * Percentile calibration, {@code percent} in (0, 100] (typically 99.9 ... 99.9999). Absolute
     * histograms give [-a, a] with a the percent-quantile of |x|; others give
     * [quantile(1 - q), quantile(q)], each tail clipping 1 - q of the values.
     */
    public static Ranges percentile(Histogram h, double percent) {
        if (!(percent > 0 && percent <= 100)) {
            throw new LowbitException("percentile must be in (0, 100], got " + percent);
        }
        if (h.total() == 0) {
            return Ranges.of(0, 0, h.nonFinite());
        }
        double q = percent / 100;
        if (h.absolute()) {
            return Ranges.symmetric((float) Math.min(h.max(), quantile(h, q)), h.nonFinite());
        }
        float lo = (float) Math.max(h.min(), quantile(h, 1 - q));
        float hi = (float) Math.min(h.max(), quantile(h, q));
        return Ranges.of(Math.min(lo, hi), Math.max(lo, hi), h.nonFinite());
    }

    /** The value below which a fraction {@code q} of the histogram's mass lies (linear inside a bin). */
    public static double quantile(Histogram h, double q) {
        long[] c = h.counts();
        double target = q * h.total();
        double cum = 0;
        for (int i = 0; i < c.length; i++) {
            if (c[i] == 0) {
                continue;
            }
            if (cum + c[i] >= target) {
                double frac = Math.max(0, (target - cum) / c[i]);
                return h.edge(i) + frac * h.binWidth();
            }
            cum += c[i];
        }
        return h.edge(h.usedBins());
    }

    /**
     * Entropy calibration (TensorRT): for i = levels .. used bins, P = the first i bins of |x| with
     * the mass beyond folded into bin i-1, Q = those i bins (without the folded mass) merged into
     * {@code levels} groups and spread back evenly over the group's bins where P is non-empty
     * (empty bins stay empty), both smoothed as MXNet/TensorRT do; the threshold is the right edge of bin i
     * for the last i minimising KL(P || Q). {@code levels} is 2^(bits-1) for signed codes (128 for
     * int8), 2^bits for unsigned. Asymmetric histograms are folded to |x| first, and the result is
     * intersected with the observed [min, max].
     */
    public static Ranges entropy(Histogram hist, int levels) {
        if (levels < 2) {
            throw new LowbitException("entropy calibration needs at least 2 levels, got " + levels);
        }
        Histogram h = hist.folded();
        if (h.total() == 0) {
            return Ranges.of(0, 0, hist.nonFinite());
        }
        // The first bin holds the exact zeros of ReLU outputs (often half of all values); left in,
        // that spike dominates KL(P||Q) and drives the threshold far too low (1.5σ on a rectified
        // normal). It is skipped, as NVIDIA's histogram calibrator does with skip_zeros.
        long[] c = h.counts().clone();
        c[0] = 0;
        int used = h.usedBins();
        double amax = h.max();
        if (used > levels) {
            double best = Double.POSITIVE_INFINITY;
            int bestI = used;
            double[] p = new double[used];
            double[] q = new double[used];
            long[] beyond = new long[c.length + 1]; // beyond[i] = mass in bins i and above
            for (int i = c.length - 1; i >= 0; i--) {
                beyond[i] = beyond[i + 1] + c[i];
            }
            for (int i = levels; i <= used; i++) {
                long outliers = beyond[i];
                double kl = divergence(c, i, outliers, levels, p, q);
                if (kl <= best) { // last argmin, as TensorRT
                    best = kl;
                    bestI = i;
                }
            }
            amax = Math.min(amax, h.edge(bestI));
        }
        return clipToSeen(hist, (float) amax);
    }

    /** Count given to empty bins before taking logarithms (MXNet/TensorRT smoothing). */
    private static final double SMOOTHING = 1e-4;

    /**
     * KL(P || Q) for the first {@code i} bins, {@code outliers} folded into P's last bin. Q's group
     * masses come from the bins without the outliers and are spread over the bins where P is
     * non-empty; both are smoothed (empty bins get a tiny count) so a Q hole under P's outlier bin
     * costs a large but finite divergence.
     */
    private static double divergence(long[] c, int i, long outliers, int levels, double[] p, double[] q) {
        for (int j = 0; j < i; j++) {
            p[j] = c[j];
        }
        p[i - 1] += outliers;
        int merged = i / levels;
        for (int g = 0; g < levels; g++) {
            int start = g * merged;
            int stop = g == levels - 1 ? i : start + merged; // the last group takes the remainder
            long mass = 0;
            int nonEmpty = 0;
            for (int j = start; j < stop; j++) {
                mass += c[j];
                if (p[j] != 0) {
                    nonEmpty++;
                }
            }
            double share = nonEmpty == 0 ? 0 : (double) mass / nonEmpty;
            for (int j = start; j < stop; j++) {
                q[j] = p[j] != 0 ? share : 0;
            }
        }
        if (!smooth(p, i) || !smooth(q, i)) {
            return Double.POSITIVE_INFINITY;
        }
        double pSum = 0;
        double qSum = 0;
        for (int j = 0; j < i; j++) {
            pSum += p[j];
            qSum += q[j];
        }
        double kl = 0;
        for (int j = 0; j < i; j++) {
            double pj = p[j] / pSum;
            kl += pj * Math.log(pj / (q[j] / qSum));
        }
        return kl;
    }

    /** Moves a little mass onto empty bins; false when nothing is non-empty or a bin would go negative. */
    private static boolean smooth(double[] d, int n) {
        int zeros = 0;
        for (int j = 0; j < n; j++) {
            if (d[j] == 0) {
                zeros++;
            }
        }
        int nonZeros = n - zeros;
        if (nonZeros == 0) {
            return false;
        }
        double take = SMOOTHING * zeros / nonZeros;
        for (int j = 0; j < n; j++) {
            if (d[j] == 0) {
                d[j] = SMOOTHING;
            } else {
                d[j] -= take;
                if (d[j] <= 0) {
                    return false;
                }
            }
        }
        return true;
    }

    /**
     * MSE calibration: the range minimising the expected squared error of fake quantization under
     * {@code scheme} (rounding inside the range plus clipping outside), integrated exactly over the
     * piecewise-uniform histogram. Symmetric schemes search amax over every bin edge; asymmetric
     * ones search [r·min, r·max] for r = k/256 (the scale and zero point computed exactly as
     * {@link QuantParams#fromRange} will).
     */
    public static Ranges mse(Histogram hist, QuantScheme scheme) {
        if (hist.total() == 0) {
            return Ranges.of(0, 0, hist.nonFinite());
        }
        QuantScheme s = scheme.perTensor();
        if (s.symmetric()) {
            Histogram h = hist.absolute() ? hist : hist.folded();
            int used = h.usedBins();
            double bestErr = Double.POSITIVE_INFINITY;
            double best = h.max();
            for (int i = 1; i <= used + 1; i++) {
                double amax = i <= used ? h.edge(i) : h.max();
                double err = expectedError(hist, QuantParams.fromRange(s, (float) -amax, (float) amax));
                if (err < bestErr) {
                    bestErr = err;
                    best = amax;
                }
            }
            return clipToSeen(hist, (float) Math.min(best, h.max()));
        }
        float lo = Math.min(hist.min(), 0);
        float hi = Math.max(hist.max(), 0);
        if (hist.absolute()) {
            lo = -hi;
        }
        double bestErr = Double.POSITIVE_INFINITY;
        float bestLo = lo;
        float bestHi = hi;
        for (int k = 256; k >= 1; k--) {
            float l = lo * k / 256f;
            float u = hi * k / 256f;
            double err = expectedError(hist, QuantParams.fromRange(s, l, u));
            if (err < bestErr) {
                bestErr = err;
                bestLo = l;
                bestHi = u;
            }
        }
        return Ranges.of(bestLo, bestHi, hist.nonFinite());
    }

    /**
     * Mean squared error of fake-quantizing values spread uniformly within each bin with these
     * (per-tensor) parameters. An absolute histogram stands for ±|x| with equal weight.
     */
    public static double expectedError(Histogram h, QuantParams p) {
        double s = p.scales()[0];
        int z = p.zeroPoints()[0];
        int qmin = p.scheme().qmin();
        int qmax = p.scheme().qmax();
        long[] c = h.counts();
        double sum = 0;
        for (int i = 0; i < c.length; i++) {
            if (c[i] == 0) {
                continue;
            }
            double a = h.edge(i) / s;
            double b = h.edge(i + 1) / s;
            double err = segmentError(a + z, b + z, qmin, qmax);
            if (h.absolute() && !p.scheme().symmetric()) {
                err = 0.5 * (err + segmentError(-b + z, -a + z, qmin, qmax));
            }
            sum += c[i] * err / (b - a);
        }
        return sum * s * s / h.total();
    }

    /**
     * {@code ∫ (y - clamp(rint(y), qmin, qmax))² dy} over [ya, yb], in grid units: clipped below
     * qmin - 1/2 and above qmax + 1/2, periodic rounding noise in between.
     */
    static double segmentError(double ya, double yb, int qmin, int qmax) {
        double lowEdge = qmin - 0.5;
        double highEdge = qmax + 0.5;
        double e = 0;
        if (ya < lowEdge) {
            double u = Math.min(yb, lowEdge);
            e += (cube(u - qmin) - cube(ya - qmin)) / 3;
        }
        double a = Math.max(ya, lowEdge);
        double b = Math.min(yb, highEdge);
        if (a < b) {
            e += roundingIntegral(b) - roundingIntegral(a);
        }
        if (yb > highEdge) {
            double u = Math.max(ya, highEdge);
            e += (cube(yb - qmax) - cube(u - qmax)) / 3;
        }
        return e;
    }

    /** {@code ∫_{-1/2}^{t} (y - round(y))² dy}: m whole cells of 1/12 plus the partial one. */
    private static double roundingIntegral(double t) {
        double m = Math.floor(t + 0.5);
        return m / 12 + (cube(t - m) + 0.125) / 3;
    }

    private static double cube(double v) {
        return v * v * v;
    }

    private static Ranges clipToSeen(Histogram h, float amax) {
        if (h.absolute()) {
            return Ranges.symmetric(amax, h.nonFinite());
        }
        return Ranges.of(Math.max(h.min(), -amax), Math.min(h.max(), amax), h.nonFinite());
    }
}
