package dev.lowbit;

import dev.lowbit.eval.ModelComparison;
import dev.lowbit.ptq.Quality;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Between the façade's types and the internal ones. Two internal types share a simple name with a
 * façade enum ({@code ptq.CalibrationMethod}, {@code quant.Recipe}); they are written out in full
 * here, the one place that needs both.
 */
final class Conversions {
    private Conversions() {
    }

    /** The internal calibration method; {@code percentile} only matters for {@link CalibrationMethod#PERCENTILE}. */
    static dev.lowbit.ptq.CalibrationMethod method(CalibrationMethod m, double percentile) {
        return switch (m) {
            case MINMAX -> dev.lowbit.ptq.CalibrationMethod.MINMAX;
            case EMA -> dev.lowbit.ptq.CalibrationMethod.EMA;
            case PERCENTILE -> dev.lowbit.ptq.CalibrationMethod.percentile(percentile);
            case ENTROPY -> dev.lowbit.ptq.CalibrationMethod.ENTROPY;
            case MSE -> dev.lowbit.ptq.CalibrationMethod.MSE;
            case BEST -> dev.lowbit.ptq.CalibrationMethod.BEST;
        };
    }

    /** Parses the command line's spelling of a calibration method. */
    static dev.lowbit.ptq.CalibrationMethod method(String spec) {
        return dev.lowbit.ptq.CalibrationMethod.parse(spec);
    }

    /** The façade's name of an internal method. */
    static CalibrationMethod method(dev.lowbit.ptq.CalibrationMethod m) {
        return CalibrationMethod.valueOf(m.kind().name());
    }

    /** The percentile of an internal percentile method, else NaN. */
    static double percentile(dev.lowbit.ptq.CalibrationMethod m) {
        return m.kind() == dev.lowbit.ptq.CalibrationMethod.Kind.PERCENTILE ? m.percentile() : Double.NaN;
    }

    /** The internal recipe, or null for {@link Recipe#AUTO} (chosen from the graph). */
    static dev.lowbit.quant.Recipe recipe(Recipe r) {
        return r == Recipe.AUTO ? null : dev.lowbit.quant.Recipe.valueOf(r.name());
    }

    /** A recipe other than {@code auto} by name, with the internal parser's message for a bad one. */
    static Recipe parseRecipe(String name) {
        return Recipe.valueOf(dev.lowbit.quant.Recipe.parse(name).name());
    }

    /** One compared tensor, agreements as fractions (the internal rows hold percentages). */
    static OutputQuality quality(ModelComparison.Row r) {
        return new OutputQuality(r.tensor(), r.producer(), r.sqnrDb(), r.cosine(), r.maxAbsError(), r.meanSampleCosine(),
                r.minSampleCosine(), r.top1Agreement() / 100, r.maskIou(), r.decodeAgreement() / 100);
    }

    static List<OutputQuality> qualities(List<ModelComparison.Row> rows) {
        return rows.stream().map(Conversions::quality).toList();
    }

    static QualityCheck check(Quality q) {
        return new QualityCheck(q.samples(), q.heldOut(), qualities(q.outputs()), qualities(q.worstLayers()),
                Optional.ofNullable(q.warning()));
    }

    /** A percentile as the command line spells it: 99.99, 99 (not 99.0). */
    static String trim(double p) {
        return p == Math.rint(p) ? Long.toString((long) p) : Double.toString(p);
    }

    /** An unmodifiable copy in the same order (Map.copyOf's order changes from one JVM launch to the next). */
    static <K, V> Map<K, V> ordered(Map<K, V> m) {
        return Collections.unmodifiableMap(new LinkedHashMap<>(m));
    }
}
