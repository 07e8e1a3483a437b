package dev.lowbit.maven;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The quality a quantized model must keep for the build to go on: at most {@code maxTop1Drop}
 * points of top-1 lost against the float model (classifiers with labelled data), and at least
 * {@code minCosine} cosine similarity and {@code minSqnr} dB SQNR to the float model's outputs
 * (any model; the worst output counts). Unset thresholds (null) are not checked.
 */
record QualityGate(Double maxTop1Drop, Double minCosine, Double minSqnr) {
    /**
     * Top-1 percentages are ratios of counts: 92.9 - 92.0 is 0.9000000000000057 in doubles, which
     * must not miss a gate of 0.9 that the log shows as met.
     */
    private static final double ROUNDING = 1e-9;

    /**
     * What was measured on the evaluation data: top-1 in percent of both models (null without
     * labels or class scores), and the lowest cosine and SQNR over the outputs with the outputs
     * they belong to.
     */
    record Measurement(long samples, String engine, Double floatTop1, Double quantTop1, String cosineOutput,
                       double cosine, String sqnrOutput, double sqnrDb) {
        boolean hasTop1() {
            return floatTop1 != null && quantTop1 != null;
        }

        double top1Drop() {
            return floatTop1 - quantTop1;
        }

        /** "images" for a classifier scored against labels, "samples" otherwise. */
        String unit() {
            return hasTop1() ? "images" : "samples";
        }
    }

    /** @throws IllegalArgumentException naming the threshold that cannot be met by any model */
    QualityGate {
        if (maxTop1Drop != null && !(maxTop1Drop >= 0 && maxTop1Drop <= 100)) {
            throw new IllegalArgumentException("maxTop1Drop must be between 0 and 100 points, got " + maxTop1Drop);
        }
        if (minCosine != null && !(minCosine >= -1 && minCosine <= 1)) {
            throw new IllegalArgumentException("minCosine must be between -1 and 1, got " + minCosine);
        }
        if (minSqnr != null && !Double.isFinite(minSqnr)) {
            throw new IllegalArgumentException("minSqnr must be a number of dB, got " + minSqnr);
        }
    }

    /** Whether any threshold is set (otherwise nothing is measured). */
    boolean isSet() {
        return maxTop1Drop != null || minCosine != null || minSqnr != null;
    }

    /** Whether the float model's top-1 is needed too. */
    boolean needsTop1() {
        return maxTop1Drop != null;
    }

    /** One line with every number measured, for the build log. */
    static String describe(Measurement m) {
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "quality on %d %s (%s):", m.samples(), m.unit(),
                m.engine()));
        if (m.hasTop1()) {
            sb.append(String.format(Locale.ROOT, " top-1 fp32 %.2f %%, int8 %.2f %% (drop %.2f points);", m.floatTop1(),
                    m.quantTop1(), m.top1Drop()));
        }
        if (m.cosineOutput() != null) {
            sb.append(String.format(Locale.ROOT, " cosine %.6f (%s), SQNR %.2f dB (%s)", m.cosine(), m.cosineOutput(),
                    m.sqnrDb(), m.sqnrOutput()));
        } else {
            sb.append(" no float output to compare");
        }
        return sb.toString();
    }

    /**
     * The thresholds {@code m} misses, one phrase each (empty when the gate passes).
     *
     * @throws IllegalArgumentException when a threshold is set whose measure the data cannot give
     *     (top-1 without labels, cosine without a float output in common)
     */
    List<String> misses(Measurement m) {
        List<String> misses = new ArrayList<>();
        if (maxTop1Drop != null) {
            if (!m.hasTop1()) {
                throw new IllegalArgumentException("maxTop1Drop needs labelled evalData and a model whose output holds class"
                        + " scores: no top-1 could be measured (give evalLabels, or gate with minCosine/minSqnr)");
            }
            if (m.top1Drop() > maxTop1Drop + ROUNDING) {
                misses.add(String.format(Locale.ROOT, "top-1 drop %.2f points > maxTop1Drop %s (fp32 %.2f %%, int8 %.2f %%, %d %s)",
                        m.top1Drop(), plain(maxTop1Drop, 2), m.floatTop1(), m.quantTop1(), m.samples(), m.unit()));
            }
        }
        if ((minCosine != null || minSqnr != null) && m.cosineOutput() == null) {
            throw new IllegalArgumentException("minCosine/minSqnr compare the models' float outputs, and the quantized model"
                    + " shares none with the float model");
        }
        if (minCosine != null && m.cosine() < minCosine) {
            int decimals = Math.max(6, decimals(minCosine));
            misses.add(String.format(Locale.ROOT, "cosine %." + decimals + "f < minCosine %s (output %s, %d %s)",
                    m.cosine(), plain(minCosine, 0), m.cosineOutput(), m.samples(), m.unit()));
        }
        if (minSqnr != null && m.sqnrDb() < minSqnr) {
            misses.add(String.format(Locale.ROOT, "SQNR %.2f dB < minSqnr %s dB (output %s, %d %s)", m.sqnrDb(),
                    plain(minSqnr, 2), m.sqnrOutput(), m.samples(), m.unit()));
        }
        return misses;
    }

    /** The build failure's message for the thresholds missed. */
    static String failure(List<String> misses) {
        return "quality gate missed: " + String.join("; ", misses);
    }

    /** {@code value} as written, with at least {@code atLeast} decimals (0.1 -> "0.10", 0.99999999 stays). */
    private static String plain(double value, int atLeast) {
        return String.format(Locale.ROOT, "%." + Math.max(atLeast, decimals(value)) + "f", value);
    }

    private static int decimals(double value) {
        return Math.max(0, BigDecimal.valueOf(value).stripTrailingZeros().scale());
    }
}
