package dev.lowbit;

import dev.lowbit.data.Dataset;
import dev.lowbit.engine.Engine;
import dev.lowbit.engine.Engines;
import dev.lowbit.engine.JavaEngine;
import dev.lowbit.eval.Evaluator;
import dev.lowbit.eval.ModelComparison;
import dev.lowbit.eval.OutputKind;
import dev.lowbit.onnx.Model;
import dev.lowbit.onnx.ModelIO;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.function.LongConsumer;

/** {@link OnnxModel#evaluate} and {@link OnnxModel#compare}: data opened for the model, engines opened by name. */
final class Evaluations {
    private Evaluations() {
    }

    /** Runs {@code model} (and {@code reference}, when not null) over the data, read as the reference's metadata says. */
    static Evaluation evaluate(OnnxModel model, OnnxModel reference, DataSource data, EvalOptions o) {
        Model reads = (reference == null ? model : reference).internal();
        try (Dataset ds = data.open(reads, o.samples);
             Engine e = open(model, o.engine, o.threads);
             Engine re = reference == null ? null : open(reference, o.engine, o.threads)) {
            Evaluator.Report r = Evaluator.evaluate(e, OutputKind.of(reads), re, o.maskThreshold, ds, o.batchSize,
                    progress(o, "eval " + e.name(), ds.size()));
            Optional<Accuracy> accuracy = Optional.ofNullable(r.accuracy())
                    .map(a -> new Accuracy(a.samples(), a.top1Correct(), a.top5Correct()));
            List<OutputStats> stats = r.outputs().stream().map(s -> new OutputStats(s.output(), s.shape(), s.values(),
                    s.mean(), s.std(), s.min(), s.max(), s.nonFinite())).toList();
            return new Evaluation(e.name(), r.samples(), r.millis(), accuracy, Optional.ofNullable(r.classOutput()), stats,
                    Conversions.qualities(r.vsReference()));
        }
    }

    /**
     * Compares the float model with the quantized one. In lowbit's engine both run in process and
     * intermediate tensors can be compared too; other engines compare outputs.
     */
    static Comparison compare(OnnxModel floatModel, OnnxModel quantized, DataSource data, EvalOptions o) {
        String referenceEngine = o.referenceEngine != null ? o.referenceEngine : o.engine;
        boolean java = o.engine.equals(Engines.JAVA) && referenceEngine.equals(Engines.JAVA);
        if (o.layers && !java) {
            throw new LowbitException("comparing layers needs lowbit's intermediate tensors: use engine java for both models, not '"
                    + referenceEngine + "' and '" + o.engine + "'");
        }
        Model f = floatModel.internal();
        ModelComparison.Result r;
        try (Dataset ds = data.open(f, o.samples)) {
            LongConsumer progress = progress(o, "compare", ds.size());
            if (java) {
                r = ModelComparison.compare(f, quantized.internal(), o.maskThreshold, ds, o.batchSize, o.layers, progress);
            } else {
                try (Engine fe = open(floatModel, referenceEngine, o.threads); Engine qe = open(quantized, o.engine, o.threads)) {
                    r = ModelComparison.compare(fe, qe, OutputKind.of(f), o.maskThreshold, ds, o.batchSize, progress);
                }
            }
        }
        return new Comparison(r.samples(), Conversions.qualities(r.outputs()), Conversions.qualities(r.layers()));
    }

    /** Reports phase {@code phase} started (0 of {@code total}), then each sample count. */
    private static LongConsumer progress(EvalOptions o, String phase, long total) {
        o.progress.update(phase, 0, total);
        return n -> o.progress.update(phase, n, total);
    }

    /**
     * Opens {@code model} in engine {@code name}: from its file when it has one (errors then name
     * the file), else lowbit's engine in memory, or another engine through a temporary file.
     */
    static Engine open(OnnxModel model, String name, int threads) {
        Optional<Path> file = model.file();
        if (file.isPresent()) {
            return Engines.open(file.get(), name, threads);
        }
        if (name.equals(Engines.JAVA)) {
            return new JavaEngine(model.internal(), threads);
        }
        Path tmp = null;
        try {
            tmp = Files.createTempFile("lowbit-", ".onnx");
            ModelIO.save(model.internal(), tmp);
            return Engines.open(tmp, name, threads);
        } catch (IOException e) {
            throw new LowbitException("cannot write a temporary model for engine '" + name + "' (" + e.getMessage() + ")");
        } finally {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp); // the engine has read it
                } catch (IOException ignored) {
                    // best effort: a file in the temporary folder
                }
            }
        }
    }
}
