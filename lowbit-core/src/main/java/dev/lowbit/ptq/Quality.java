package dev.lowbit.ptq;

import dev.lowbit.data.Dataset;
import dev.lowbit.data.Datasets;
import dev.lowbit.eval.ModelComparison;
import dev.lowbit.onnx.Model;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/**
 * How far a quantized model's outputs are from float, measured by lowbit right after quantizing on
 * samples calibration did not use (or, when the data has no more, on the last calibration samples),
 * so that a model quantization destroyed never passes silently.
 *
 * @param samples     samples compared
 * @param heldOut     true when they were not used for calibration
 * @param outputs     per-output comparison (mean per-sample cosine, SQNR; mean-pooled rows for token outputs)
 * @param worstLayers when an output is far from float: the tensors with the lowest SQNR, worst first
 */
public record Quality(int samples, boolean heldOut, List<ModelComparison.Row> outputs, List<ModelComparison.Row> worstLayers) {
    /** Mean per-sample cosine to float below which an output is reported as far from float. */
    public static final double COSINE_WARNING = 0.97;
    static final int SAMPLES = 16;
    private static final int WORST = 3;

    /** True when some output's mean per-sample cosine to float is below {@link #COSINE_WARNING}. */
    public boolean farFromFloat() {
        return outputs.stream().anyMatch(r -> r.meanSampleCosine() < COSINE_WARNING);
    }

    /** One warning line for a model far from float (null when it is not). */
    public String warning() {
        if (!farFromFloat()) {
            return null;
        }
        ModelComparison.Row worst = outputs.stream().min(Comparator.comparingDouble(ModelComparison.Row::meanSampleCosine))
                .orElseThrow();
        StringBuilder b = new StringBuilder(String.format(Locale.ROOT,
                "quantized output '%s' is far from float: cosine %.3f, SQNR %.1f dB on %d %s samples", worst.tensor(),
                worst.meanSampleCosine(), worst.sqnrDb(), samples, heldOut ? "held-out" : "calibration"));
        if (!worstLayers.isEmpty()) {
            b.append("; lowest SQNR at ");
            for (int i = 0; i < worstLayers.size(); i++) {
                ModelComparison.Row r = worstLayers.get(i);
                b.append(i == 0 ? "" : ", ").append(r.producer()).append(String.format(Locale.ROOT, " (%.1f dB)", r.sqnrDb()));
            }
        }
        return b.append(" (try --exclude on those nodes, --recipe transformer or another --method)").toString();
    }

    /** Compares {@code quantized} with {@code prepared} on samples after the first {@code calibrated} of {@code data}. */
    static Quality measure(Model prepared, Model quantized, Dataset data, int calibrated, int batch) {
        boolean heldOut = data.size() > calibrated;
        int from = heldOut ? calibrated : Math.max(0, Math.min(calibrated, data.size()) - SAMPLES);
        Dataset sample = Datasets.range(data, from, SAMPLES, batch);
        if (sample.size() == 0) {
            return new Quality(0, false, List.of(), List.of());
        }
        ModelComparison.Result r = ModelComparison.compare(prepared, quantized, sample, batch, false, null);
        Quality q = new Quality(sample.size(), heldOut, r.outputs(), List.of());
        if (!q.farFromFloat()) {
            return q;
        }
        List<ModelComparison.Row> layers = ModelComparison.compare(prepared, quantized, sample, batch, true, null).layers()
                .stream().filter(row -> Double.isFinite(row.sqnrDb()))
                .sorted(Comparator.comparingDouble(ModelComparison.Row::sqnrDb)).limit(WORST).toList();
        return new Quality(q.samples(), heldOut, q.outputs(), layers);
    }
}
