package dev.lowbit.calib;

import dev.lowbit.LowbitException;
import dev.lowbit.quant.QuantScheme;

import java.util.Locale;

/**
 * An activation calibration method: which observer to fill and how to turn it into a range.
 * Parsed from {@code max}, {@code percentile:99.99}, {@code entropy}, {@code mse}.
 *
 * @param percent the percentile for {@link Kind#PERCENTILE} (ignored otherwise)
 */
public record CalibrationMethod(Kind kind, double percent) {
    public enum Kind { MAX, PERCENTILE, ENTROPY, MSE }

    public static final CalibrationMethod MAX = new CalibrationMethod(Kind.MAX, 0);
    public static final CalibrationMethod ENTROPY = new CalibrationMethod(Kind.ENTROPY, 0);
    public static final CalibrationMethod MSE = new CalibrationMethod(Kind.MSE, 0);

    public CalibrationMethod {
        if (kind == Kind.PERCENTILE && !(percent > 0 && percent <= 100)) {
            throw new LowbitException("percentile must be in (0, 100], got " + percent);
        }
    }

    public static CalibrationMethod percentile(double percent) {
        return new CalibrationMethod(Kind.PERCENTILE, percent);
    }

    public static CalibrationMethod parse(String text) {
        String t = text.trim().toLowerCase(Locale.ROOT);
        if (t.startsWith("percentile")) {
            String rest = t.substring("percentile".length());
            if (rest.isEmpty()) {
                return percentile(99.99);
            }
            try {
                return percentile(Double.parseDouble(rest.substring(1)));
            } catch (NumberFormatException | StringIndexOutOfBoundsException e) {
                throw new LowbitException("calibration method '" + text + "': expected percentile:P, e.g. percentile:99.99");
            }
        }
        return switch (t) {
            case "max", "minmax" -> MAX;
            case "entropy", "kl" -> ENTROPY;
            case "mse" -> MSE;
            default -> throw new LowbitException("unknown calibration method '" + text
                    + "' (expected max, percentile:P, entropy or mse)");
        };
    }

    /**
     * A fresh observer for a tensor quantized with {@code scheme}: min/max (per channel when the
     * scheme is) for MAX, else a histogram of |x| (symmetric schemes) or of x.
     */
    public Observer newObserver(QuantScheme scheme) {
        if (kind == Kind.MAX) {
            return scheme.perChannel() ? MinMaxObserver.perChannel(scheme.axis()) : MinMaxObserver.perTensor();
        }
        if (scheme.perChannel()) {
            throw new LowbitException(this + " calibration is per tensor; per-channel scheme " + scheme
                    + " needs the max method");
        }
        return new HistogramObserver(scheme.symmetric(), HistogramObserver.DEFAULT_BINS);
    }

    /** The range chosen from an observer made by {@link #newObserver}. */
    public Ranges choose(Observer observer, QuantScheme scheme) {
        if (kind == Kind.MAX) {
            return observer.range();
        }
        if (!(observer instanceof HistogramObserver h)) {
            throw new LowbitException(this + " calibration needs a histogram observer, got " + observer);
        }
        Histogram hist = h.histogram();
        return switch (kind) {
            case PERCENTILE -> HistogramRanges.percentile(hist, percent);
            case ENTROPY -> HistogramRanges.entropy(hist, scheme.signed() ? 1 << (scheme.bits() - 1) : 1 << scheme.bits());
            case MSE -> HistogramRanges.mse(hist, scheme);
            case MAX -> throw new IllegalStateException();
        };
    }

    @Override
    public String toString() {
        return kind == Kind.PERCENTILE ? "percentile:" + percent : kind.name().toLowerCase(Locale.ROOT);
    }
}
