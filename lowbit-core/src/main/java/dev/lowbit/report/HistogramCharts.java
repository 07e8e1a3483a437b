package dev.lowbit.report;

import dev.lowbit.calib.Histogram;

/**
 * Resamples a calibration histogram (2048 fine bins) into a few dozen display bins covering both
 * the data and the chosen clipping range, so a small chart shows where the range cuts the tail.
 */
final class HistogramCharts {
    /** Display bins of one chart. */
    static final int DEFAULT_BINS = 80;
    /** Space left on each side of the data and clipping range, as a fraction of the span. */
    private static final double MARGIN = 0.04;

    private HistogramCharts() {
    }

    /**
     * The chart of {@code h} with the clipping range [clipMin, clipMax] of the chosen parameters.
     * For a histogram of |x| the range is drawn as the largest |x| that is not clipped on either side.
     */
    static QuantReport.HistogramChart resample(Histogram h, float clipMin, float clipMax, int maxBins) {
        double clipLo;
        double clipHi;
        if (h.absolute()) {
            clipLo = 0;
            clipHi = clipMin < 0 && clipMax > 0 ? Math.min(-clipMin, clipMax) : Math.max(Math.abs(clipMin), Math.abs(clipMax));
        } else {
            clipLo = clipMin;
            clipHi = clipMax;
        }
        int first = -1;
        for (int i = 0; i < h.numBins() && first < 0; i++) {
            if (h.counts()[i] != 0) {
                first = i;
            }
        }
        double dataLo = first < 0 ? 0 : h.edge(first);
        double dataHi = first < 0 ? 0 : h.edge(h.usedBins());
        double lo = Math.min(dataLo, clipLo);
        double hi = Math.max(dataHi, clipHi);
        double span = hi - lo;
        if (!(span > 0)) {
            span = Math.max(Math.abs(hi), 1e-6);
        }
        lo = h.absolute() ? Math.max(0, lo - MARGIN * span) : lo - MARGIN * span;
        hi = hi + MARGIN * span;
        double fineBins = (hi - lo) / h.binWidth();
        int bins = (int) Math.max(1, Math.min(maxBins, Math.ceil(fineBins)));
        double width = (hi - lo) / bins;
        long[] counts = new long[bins];
        for (int i = 0; i < h.numBins(); i++) {
            long c = h.counts()[i];
            if (c != 0) {
                double center = h.edge(i) + h.binWidth() / 2;
                int k = (int) Math.floor((center - lo) / width);
                counts[Math.max(0, Math.min(bins - 1, k))] += c;
            }
        }
        return new QuantReport.HistogramChart(h.absolute(), lo, width, counts, h.total(), clipLo, clipHi);
    }
}
