package dev.lowbit;

import dev.lowbit.data.Dataset;
import dev.lowbit.export.QOperatorWriter;
import dev.lowbit.onnx.Model;
import dev.lowbit.onnx.ModelIO;
import dev.lowbit.onnx.Node;
import dev.lowbit.passes.GraphCleanup;
import dev.lowbit.ptq.DynamicQuantizer;
import dev.lowbit.ptq.PostTrainingQuantizer;
import dev.lowbit.ptq.PtqConfig;
import dev.lowbit.ptq.PtqResult;
import dev.lowbit.ptq.PtqStep;
import dev.lowbit.ptq.Sensitivity;
import dev.lowbit.report.HtmlReport;
import dev.lowbit.report.QuantReport;
import dev.lowbit.report.QuantReportBuilder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * {@link OnnxModel#quantize}: the one quantization path, for library callers and for
 * {@code lowbit quantize} alike. Static: calibration data opened once with the calibration size,
 * PTQ (or an accuracy/size search), format conversion, an atomic save, the optional report.
 * Dynamic: weights only, no data.
 */
final class Quantization {
    /** Whatever produced the model, and the sensitivity a partial-quantization search measured (for the report). */
    record Outcome(PtqResult result, Sensitivity.Result sensitivity) {
    }

    private Quantization() {
    }

    static QuantizeResult run(OnnxModel model, QuantizeOptions options) {
        QuantizeOptions.Builder o = options.b;
        Model floatModel = floatModel(model, o);
        return o.mode == Mode.DYNAMIC ? dynamic(model, floatModel, o) : calibrated(model, floatModel, o);
    }

    /** The model to quantize: a copy with only the outputs asked for, its excluded nodes checked. */
    private static Model floatModel(OnnxModel model, QuantizeOptions.Builder o) {
        Model m = model.internal();
        if (!o.keepOutputs.isEmpty()) {
            m = m.copy();
            try {
                GraphCleanup.keepOutputs(m.graph(), o.keepOutputs);
            } catch (LowbitException e) {
                throw new LowbitException(model + ": keep outputs: " + e.getMessage());
            }
        }
        Set<String> known = new HashSet<>();
        for (Node n : m.graph().nodes()) {
            known.add(n.name());
        }
        List<String> unknown = o.exclude.stream().filter(n -> !known.contains(n)).sorted().toList();
        if (!unknown.isEmpty()) {
            throw new LowbitException(model + ": exclude names no node of the model: " + String.join(", ", unknown)
                    + " (`lowbit inspect " + model + " --json` lists the node names)");
        }
        return m;
    }

    private static QuantizeResult dynamic(OnnxModel model, Model floatModel, QuantizeOptions.Builder o) {
        DynamicQuantizer.Result r = new DynamicQuantizer(PtqSetup.config(o)).quantize(floatModel);
        long bytes = save(r.quantized(), o.output);
        return new QuantizeResult(o.output, bytes, inputBytes(model), Mode.DYNAMIC, Format.QDQ, null, Double.NaN, Map.of(),
                0, r.plan().quantizedNodes(), r.plan().floatNodes(), r.notes(), r.millis(), Optional.empty(),
                Optional.empty(), List.of());
    }

    private static QuantizeResult calibrated(OnnxModel model, Model floatModel, QuantizeOptions.Builder o) {
        PtqConfig config = PtqSetup.config(o);
        Outcome run;
        try (Dataset calib = o.calibrationData.open(floatModel, o.calibrationSamples)) {
            List<PtqStep> steps = PtqSetup.steps(o, floatModel);
            run = o.maxTop1Drop != null || o.mixedPrecisionBudget != null ? Searches.run(floatModel, calib, config, steps, o)
                    : new Outcome(ptq(floatModel, calib, config, steps, o.progress), null);
        }
        PtqResult r = run.result();
        // The report reads the QDQ graph (its QuantizeLinear/DequantizeLinear pairs); conversion edits in place.
        Model out = r.quantized();
        if (o.format == Format.QOPERATOR) {
            out = o.report != null ? out.copy() : out;
            QOperatorWriter.convert(out);
        }
        long outBytes = save(out, o.output);
        long inBytes = inputBytes(model);
        List<String> warnings = new ArrayList<>();
        if (o.report != null) {
            writeReport(model, floatModel, run, o, inBytes, outBytes).ifPresent(warnings::add);
        }
        return new QuantizeResult(o.output, outBytes, inBytes, Mode.STATIC, o.format, Conversions.method(r.method()),
                Conversions.percentile(r.method()), r.candidateScores(), r.calibrationSamples(),
                r.plan().quantizedNodes(), r.plan().floatNodes(), r.notes(), r.millis(),
                Optional.ofNullable(r.quality()).map(Conversions::check), Optional.ofNullable(o.report), warnings);
    }

    /** One post-training quantization with the steps, progress going to {@code progress}. */
    static PtqResult ptq(Model floatModel, Dataset calib, PtqConfig config, List<PtqStep> steps, ProgressListener progress) {
        PostTrainingQuantizer q = new PostTrainingQuantizer(config).progress(progress::update);
        steps.forEach(q::step);
        return q.quantize(floatModel, calib);
    }

    /** The HTML report; per-layer SQNR is measured on the first calibration samples. Returns a warning, if any. */
    private static Optional<String> writeReport(OnnxModel model, Model floatModel, Outcome run, QuantizeOptions.Builder o,
                                                long inBytes, long outBytes) {
        int n = QuantReportBuilder.DEFAULT_SAMPLES;
        Sensitivity.Result s = run.sensitivity();
        try (Dataset ds = o.calibrationData.open(floatModel, Math.min(n, o.calibrationSamples))) {
            QuantReport rep = new QuantReportBuilder(run.result()).model(model.toString(), inBytes)
                    .output(o.output.toString(), outBytes).format(o.format.name().toLowerCase(Locale.ROOT))
                    .compareOn(ds, n, o.batchSize)
                    .sensitivity(s == null ? null : s.byAccuracy() ? "top-1 drop (points)" : "SQNR drop (dB)",
                            s == null ? List.of() : s.ranked().stream()
                                    .map(row -> new QuantReport.LayerMetric(row.unit().name(), row.drop())).toList())
                    .build();
            HtmlReport.write(rep, o.report);
            String error = rep.summary().comparisonError();
            return error == null ? Optional.empty() : Optional.of("report: per-layer SQNR not measured: " + error);
        }
    }

    /** Saves atomically and returns the file's size. */
    static long save(Model m, Path file) {
        ModelIO.save(m, file);
        try {
            return Files.size(file);
        } catch (IOException e) {
            throw new LowbitException(file + ": cannot read its size after writing (" + e.getMessage() + ")");
        }
    }

    /** The float model's size: its file's, or serialized when it was made in memory. */
    private static long inputBytes(OnnxModel model) {
        Optional<Path> file = model.file();
        if (file.isEmpty()) {
            return ModelIO.toProto(model.internal()).getSerializedSize();
        }
        try {
            return Files.size(file.get());
        } catch (IOException e) {
            throw new LowbitException(file.get() + ": cannot read its size (" + e.getMessage() + ")");
        }
    }
}
