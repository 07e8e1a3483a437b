package dev.lowbit.report;

import java.util.List;
import java.util.Map;

/**
 * Everything a quantization report shows, as plain data: a run summary, one row per quantized
 * node (with its weight's statistics), one row per quantized activation (with its calibration
 * histogram), and optionally per-layer sensitivity. Built by {@link QuantReportBuilder} from a
 * {@link dev.lowbit.ptq.PtqResult}; rendered by {@link HtmlReport}. The HTML page embeds this
 * record as JSON ({@link Json#write}), so tools can read the numbers back.
 *
 * <p>SQNR values are in dB against the float model; NaN means not measured, +infinity means no
 * error at all (both are written to JSON as null).
 */
public record QuantReport(Summary summary, List<NodeRow> nodes, List<ActivationRow> activations,
                          String sensitivityMetric, List<LayerMetric> sensitivity) {

    /**
     * The run as a whole.
     *
     * @param candidateScores held-out output SQNR (dB) per calibration method (empty unless {@code best} ran)
     * @param floatNodes      nodes kept float, with the reason
     * @param notes           per-step notes (what each algorithm did, time taken)
     * @param outputs         model outputs compared with the float model on {@code comparedSamples} samples
     * @param comparisonError why the float/quantized comparison could not run (null when it ran or was not asked)
     */
    public record Summary(String model, String output, String backend, String format, List<String> weightSchemes,
                          List<String> activationSchemes, String method, Map<String, Double> candidateScores,
                          int calibrationSamples, double seconds, long bytesBefore, long bytesAfter,
                          int quantizedNodes, Map<String, String> floatNodes, Map<String, String> notes,
                          List<OutputRow> outputs, long comparedSamples, String comparisonError) {
    }

    /** A model output vs the float model: SQNR, cosine similarity and top-1 agreement (%, NaN if not a classifier). */
    public record OutputRow(String tensor, double sqnrDb, double cosine, double top1Agreement) {
    }

    /**
     * A node that runs quantized.
     *
     * @param output       the node's first output tensor
     * @param outputSqnrDb that tensor in the quantized model vs float (as the next layer sees it)
     * @param weight       the node's quantized weight, or null (Add, Concat, pooling...)
     */
    public record NodeRow(String node, String op, String output, double outputSqnrDb, WeightInfo weight) {
    }

    /**
     * A quantized weight: the scheme, the spread of its per-channel scales, and how well the integer
     * codes the model stores reproduce the float weight.
     *
     * @param sqnrDb             float weight vs dequantized codes, whole tensor
     * @param worstChannelSqnrDb the lowest per-channel SQNR (equals sqnrDb per tensor)
     */
    public record WeightInfo(String initializer, String scheme, int channels, float scaleMin, float scaleMax,
                             float weightMin, float weightMax, double sqnrDb, double worstChannelSqnrDb) {
    }

    /**
     * A quantized activation tensor.
     *
     * @param producer    "OpType node" of the producer, or "input" for a graph input
     * @param sharesWith  the tensor whose parameters this one reuses (MaxPool, Reshape...), or null
     * @param clipMin     smallest representable value, (qmin - zeroPoint) * scale
     * @param clipMax     largest representable value, (qmax - zeroPoint) * scale
     * @param observedMin smallest value seen in calibration (NaN when the tensor shares parameters)
     * @param observedMax largest value seen in calibration (NaN when the tensor shares parameters)
     * @param sqnrDb      the tensor after QuantizeLinear/DequantizeLinear in the quantized model vs float
     * @param histogram   the calibration histogram (null when the tensor shares parameters)
     */
    public record ActivationRow(String tensor, String producer, String scheme, String method, String sharesWith,
                                float clipMin, float clipMax, float observedMin, float observedMax, float scale,
                                int zeroPoint, double sqnrDb, HistogramChart histogram) {
    }

    /**
     * A calibration histogram resampled for display: bin {@code i} covers
     * {@code [start + i * binWidth, start + (i + 1) * binWidth)} and holds {@code counts[i]} values.
     *
     * @param absolute whether the values binned are |x| (symmetric schemes) rather than x
     * @param clipLo   the clipping range drawn on the chart (for |x|: 0)
     * @param clipHi   the clipping range drawn on the chart (for |x|: the largest representable |x|)
     */
    public record HistogramChart(boolean absolute, double start, double binWidth, long[] counts, long total,
                                 double clipLo, double clipHi) {
    }

    /** One layer's sensitivity: how much the metric drops when only this layer is quantized. */
    public record LayerMetric(String layer, double metric) {
    }

    /** This report with sensitivity data attached (e.g. from {@code dev.lowbit.ptq.Sensitivity}). */
    public QuantReport withSensitivity(String metric, List<LayerMetric> rows) {
        return new QuantReport(summary, nodes, activations, metric, List.copyOf(rows));
    }

    /** Whether sensitivity data is present. */
    public boolean hasSensitivity() {
        return sensitivity != null && !sensitivity.isEmpty();
    }
}
