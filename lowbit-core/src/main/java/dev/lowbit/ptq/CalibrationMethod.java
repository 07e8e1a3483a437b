package dev.lowbit.ptq;

import dev.lowbit.LowbitException;
import java.util.List;
import java.util.Locale;

/**
 * How an activation's range is chosen from calibration statistics: the observed min/max, their
 * moving average, a percentile of |x|, the entropy (KL) threshold TensorRT uses, the MSE-optimal
 * clip, or {@code best}: each candidate scored on held-out calibration batches.
 */
public record CalibrationMethod(Kind kind, double percentile) {
    public enum Kind { MINMAX, EMA, PERCENTILE, ENTROPY, MSE, BEST }

    public static final CalibrationMethod MINMAX = new CalibrationMethod(Kind.MINMAX, 0);
    public static final CalibrationMethod EMA = new CalibrationMethod(Kind.EMA, 0);
    public static final CalibrationMethod ENTROPY = new CalibrationMethod(Kind.ENTROPY, 0);
    public static final CalibrationMethod MSE = new CalibrationMethod(Kind.MSE, 0);
    public static final CalibrationMethod BEST = new CalibrationMethod(Kind.BEST, 0);

    public static CalibrationMethod percentile(double p) {
        if (!(p > 50 && p <= 100)) {
            throw new LowbitException("percentile must be in (50, 100], got " + p);
        }
        return new CalibrationMethod(Kind.PERCENTILE, p);
    }

    /** The candidates {@code best} tries (NVIDIA's workflow plus MSE and EMA). */
    public static List<CalibrationMethod> candidates() {
        return List.of(MINMAX, EMA, percentile(99.9), percentile(99.99), percentile(99.999), ENTROPY, MSE);
    }

    /** Parses {@code minmax}, {@code ema}, {@code percentile} (99.99), {@code percentile:99.9}, {@code entropy}, {@code mse}, {@code best}. */
    public static CalibrationMethod parse(String s) {
        String t = s.trim().toLowerCase(Locale.ROOT);
        if (t.startsWith("percentile")) {
            String rest = t.substring("percentile".length()).replaceFirst("^[:=-]", "");
            try {
                return percentile(rest.isEmpty() ? 99.99 : Double.parseDouble(rest));
            } catch (NumberFormatException e) {
                throw new LowbitException("bad percentile in method '" + s + "' (e.g. percentile:99.99)");
            }
        }
        return switch (t) {
            case "minmax", "max" -> MINMAX;
            case "ema", "moving-average", "moving-average-minmax" -> EMA;
            case "entropy", "kl" -> ENTROPY;
            case "mse" -> MSE;
            case "best" -> BEST;
            default -> throw new LowbitException("unknown calibration method '" + s
                    + "' (expected minmax, ema, percentile[:P], entropy, mse or best)");
        };
    }

    @Override
    public String toString() {
        return kind == Kind.PERCENTILE ? "percentile:" + trim(percentile) : kind.name().toLowerCase(Locale.ROOT);
    }

    private static String trim(double p) {
        return p == Math.rint(p) ? Long.toString((long) p) : Double.toString(p);
    }
}
