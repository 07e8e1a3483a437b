package dev.lowbit.report;

import dev.lowbit.calib.Histogram;
import dev.lowbit.calib.Ranges;
import dev.lowbit.data.Dataset;
import dev.lowbit.eval.ModelComparison;
import dev.lowbit.onnx.Graph;
import dev.lowbit.onnx.Node;
import dev.lowbit.ptq.PtqResult;
import dev.lowbit.quant.QuantPlan;
import dev.lowbit.quant.QuantParams;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Collects a {@link QuantReport} from a {@link PtqResult}: names and sizes come from the caller,
 * everything per layer from the result; with {@link #compareOn} the float and quantized models run
 * on a few samples so every row gets its SQNR.
 *
 * <pre>{@code
 * QuantReport rep = new QuantReportBuilder(result).model("net.onnx", inBytes).output("net.int8.onnx", outBytes)
 *         .compareOn(calibration, 64, 32).build();
 * HtmlReport.write(rep, Path.of("report.html"));
 * }</pre>
 */
public final class QuantReportBuilder {
    /** Samples the per-layer comparison runs on by default: enough for stable SQNRs, quick on a laptop. */
    public static final int DEFAULT_SAMPLES = 64;

    private final PtqResult result;
    private String model = "";
    private String output = "";
    private String format = "qdq";
    private long bytesBefore = -1;
    private long bytesAfter = -1;
    private Dataset data;
    private int samples = DEFAULT_SAMPLES;
    private int batch = 32;
    private String sensitivityMetric;
    private List<QuantReport.LayerMetric> sensitivity = List.of();

    public QuantReportBuilder(PtqResult result) {
        this.result = result;
    }

    /** The float model's name and file size in bytes (-1 if unknown). */
    public QuantReportBuilder model(String name, long bytes) {
        this.model = name;
        this.bytesBefore = bytes;
        return this;
    }

    /** The quantized model's name and file size in bytes (-1 if unknown). */
    public QuantReportBuilder output(String name, long bytes) {
        this.output = name;
        this.bytesAfter = bytes;
        return this;
    }

    /** The output format written (qdq or qoperator). */
    public QuantReportBuilder format(String f) {
        this.format = f;
        return this;
    }

    /** Measures per-layer SQNR on the first {@code n} samples of {@code d} (typically the calibration data). */
    public QuantReportBuilder compareOn(Dataset d, int n, int batchSize) {
        this.data = d;
        this.samples = n;
        this.batch = batchSize;
        return this;
    }

    /** Per-layer sensitivity, e.g. "top-1 drop (%)" per node from {@code dev.lowbit.ptq.Sensitivity}. */
    public QuantReportBuilder sensitivity(String metric, List<QuantReport.LayerMetric> rows) {
        this.sensitivityMetric = metric;
        this.sensitivity = List.copyOf(rows);
        return this;
    }

    public QuantReport build() {
        LayerSqnr.Result sqnr = LayerSqnr.Result.empty();
        String comparisonError = null;
        if (data != null) {
            try {
                sqnr = LayerSqnr.measure(result, data, samples, batch);
            } catch (RuntimeException e) { // the report still shows ranges and histograms; it says why SQNR is missing
                comparisonError = String.valueOf(e.getMessage()).lines().findFirst().orElse(e.getClass().getSimpleName());
            }
        }
        Graph g = result.prepared().graph();
        QuantPlan plan = result.plan();
        List<QuantReport.NodeRow> nodes = new ArrayList<>();
        for (String name : plan.quantizedNodes()) {
            Node n = g.node(name);
            QuantReport.WeightInfo w = plan.weights().stream().filter(x -> x.node().equals(name)).findFirst()
                    .map(x -> WeightStats.of(result, x)).orElse(null);
            String out = n == null ? "" : n.output(0);
            nodes.add(new QuantReport.NodeRow(name, n == null ? "?" : n.opType(), out,
                    sqnr.byTensor().getOrDefault(out, Double.NaN), w));
        }
        List<QuantReport.ActivationRow> acts = new ArrayList<>();
        for (String a : plan.activations()) {
            String src = plan.paramsSource(a);
            QuantParams p = result.activations().get(src);
            if (p != null) {
                acts.add(activation(g, a, src, p, sqnr));
            }
        }
        List<QuantReport.OutputRow> outs = new ArrayList<>();
        for (ModelComparison.Row row : sqnr.outputs()) {
            outs.add(new QuantReport.OutputRow(row.tensor(), row.sqnrDb(), row.cosine(), row.top1Agreement()));
        }
        QuantReport.Summary summary = new QuantReport.Summary(model, output,
                result.quantized().metadata().getOrDefault("lowbit.backend", ""), format,
                schemes(result.weights()), schemes(result.activations()), result.method().toString(),
                new LinkedHashMap<>(result.candidateScores()), result.calibrationSamples(), result.millis() / 1000.0,
                bytesBefore, bytesAfter, plan.quantizedNodes().size(), new LinkedHashMap<>(plan.floatNodes()),
                new TreeMap<>(result.notes()), outs, sqnr.samples(), comparisonError);
        return new QuantReport(summary, nodes, acts, sensitivityMetric, sensitivity);
    }

    private QuantReport.ActivationRow activation(Graph g, String a, String src, QuantParams p, LayerSqnr.Result sqnr) {
        float scale = p.scales()[0];
        int zp = p.zeroPoints()[0];
        float clipMin = (p.scheme().qmin() - zp) * scale;
        float clipMax = (p.scheme().qmax() - zp) * scale;
        Ranges observed = result.observedRanges().get(a);
        Histogram h = result.histograms().get(a);
        Node producer = g.producer(a);
        String from = producer == null ? "input" : producer.opType() + " " + (producer.name().isEmpty() ? a : producer.name());
        return new QuantReport.ActivationRow(a, from, p.scheme().toString(), result.method().toString(),
                src.equals(a) ? null : src, clipMin, clipMax,
                observed == null ? Float.NaN : observed.min(), observed == null ? Float.NaN : observed.max(),
                scale, zp, sqnr.byTensor().getOrDefault(a, Double.NaN),
                h == null ? null : HistogramCharts.resample(h, clipMin, clipMax, HistogramCharts.DEFAULT_BINS));
    }

    private static List<String> schemes(Map<String, QuantParams> params) {
        LinkedHashSet<String> s = new LinkedHashSet<>();
        params.values().forEach(p -> s.add(p.scheme().toString()));
        return s.stream().sorted().toList();
    }
}
