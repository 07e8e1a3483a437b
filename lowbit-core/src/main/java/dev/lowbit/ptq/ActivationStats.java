package dev.lowbit.ptq;

import dev.lowbit.calib.HistogramObserver;
import dev.lowbit.calib.HistogramRanges;
import dev.lowbit.calib.MinMaxObserver;
import dev.lowbit.calib.MovingAverageMinMaxObserver;
import dev.lowbit.calib.Ranges;
import dev.lowbit.quant.QuantScheme;
import dev.lowbit.tensor.Tensor;

/**
 * Calibration statistics of one activation, enough to derive its range by any
 * {@link CalibrationMethod} afterwards: min/max, their moving average, and a histogram (of |x| for
 * symmetric schemes, of x otherwise). Memory is constant in the amount of data.
 */
final class ActivationStats {
    private static final double EMA_MOMENTUM = 0.9;

    private final QuantScheme scheme;
    private final MinMaxObserver minMax = MinMaxObserver.perTensor();
    private final MovingAverageMinMaxObserver ema = MovingAverageMinMaxObserver.perTensor(EMA_MOMENTUM);
    private final HistogramObserver histogram;

    ActivationStats(QuantScheme scheme) {
        this.scheme = scheme;
        this.histogram = scheme.symmetric() ? HistogramObserver.symmetric() : HistogramObserver.asymmetric();
    }

    QuantScheme scheme() {
        return scheme;
    }

    void observe(Tensor t) {
        float[] f = t.toFloatArray();
        minMax.observe(f, 0, f.length);
        ema.observe(f, 0, f.length);
        histogram.observe(f, 0, f.length);
    }

    Ranges range(CalibrationMethod m) {
        return switch (m.kind()) {
            case MINMAX -> minMax.range();
            case EMA -> ema.range();
            case PERCENTILE -> HistogramRanges.percentile(histogram.histogram(), m.percentile());
            case ENTROPY -> HistogramRanges.entropy(histogram.histogram(), scheme.symmetric() ? 1 << (scheme.bits() - 1) : 1 << scheme.bits());
            case MSE -> HistogramRanges.mse(histogram.histogram(), scheme);
            case BEST -> throw new IllegalArgumentException("best is resolved by the quantizer");
        };
    }

    /** The observed min/max, for reports. */
    Ranges observed() {
        return minMax.range();
    }

    HistogramObserver histogramObserver() {
        return histogram;
    }
}
