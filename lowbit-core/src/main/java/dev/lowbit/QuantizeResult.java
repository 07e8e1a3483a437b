package dev.lowbit;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * What {@link OnnxModel#quantize} wrote and how it went.
 *
 * @param output             the quantized model's file
 * @param outputBytes        its size
 * @param inputBytes         the float model's size (its file, or serialized when made in memory)
 * @param mode               static or dynamic
 * @param format             QDQ or QOperator
 * @param calibrationMethod  the method used (for {@link CalibrationMethod#BEST} the winner); null in dynamic mode
 * @param percentile         the percentile when the method used is {@link CalibrationMethod#PERCENTILE}, else NaN
 * @param candidateScoresDb  for {@link CalibrationMethod#BEST}: each candidate's held-out output SQNR
 *                           in dB, keyed by {@link #calibrationMethodName()}'s spelling; else empty
 * @param calibrationSamples samples calibration observed (0 in dynamic mode)
 * @param quantizedNodes     the nodes that run quantized, by name
 * @param floatNodes         the nodes that stay float, with the reason for each
 * @param notes              what each step did (time taken, layers changed), by step name
 * @param millis             wall time of the whole run
 * @param quality            the quantized outputs checked against float (empty in dynamic mode and
 *                           for the searches' partial runs)
 * @param report             the HTML report written, if one was asked for
 * @param warnings           one-line warnings worth showing (far from float, a report part not measured)
 */
public record QuantizeResult(Path output, long outputBytes, long inputBytes, Mode mode, Format format,
                             CalibrationMethod calibrationMethod, double percentile,
                             Map<String, Double> candidateScoresDb, int calibrationSamples,
                             List<String> quantizedNodes, Map<String, String> floatNodes, Map<String, String> notes,
                             long millis, Optional<QualityCheck> quality, Optional<Path> report, List<String> warnings) {
    /** Copies the collections (maps keep their order). */
    public QuantizeResult {
        candidateScoresDb = Conversions.ordered(candidateScoresDb);
        quantizedNodes = List.copyOf(quantizedNodes);
        floatNodes = Conversions.ordered(floatNodes);
        notes = Conversions.ordered(notes);
        warnings = List.copyOf(warnings);
    }

    /**
     * The calibration method as the command line spells it: {@code minmax}, {@code percentile:99.99},
     * {@code entropy}...; {@code dynamic} in dynamic mode.
     *
     * @return the name
     */
    public String calibrationMethodName() {
        if (calibrationMethod == null) {
            return "dynamic";
        }
        return calibrationMethod == CalibrationMethod.PERCENTILE ? "percentile:" + Conversions.trim(percentile)
                : calibrationMethod.name().toLowerCase(Locale.ROOT);
    }

    /**
     * How many times smaller the quantized file is.
     *
     * @return input bytes over output bytes
     */
    public double compression() {
        return (double) inputBytes / outputBytes;
    }
}
