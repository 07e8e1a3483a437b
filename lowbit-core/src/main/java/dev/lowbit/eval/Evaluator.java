package dev.lowbit.eval;

import dev.lowbit.LowbitException;
import dev.lowbit.data.Batch;
import dev.lowbit.data.Dataset;
import dev.lowbit.engine.Engine;
import dev.lowbit.tensor.DType;
import dev.lowbit.tensor.Tensor;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongConsumer;

/**
 * A model's outputs on a data set in any {@link Engine}, streamed in batches: classifier accuracy
 * against labels, every output's value statistics, and with a reference model (the float
 * original) each output's SQNR, cosine and task agreement, whatever the output holds.
 */
public final class Evaluator {
    /**
     * Top-1/top-5 in percent over {@code samples} images, and the wall time taken; {@code top1Correct}
     * and {@code top5Correct} count the images behind the percentages.
     */
    public record Result(double top1, double top5, long samples, long millis, long top1Correct, long top5Correct) {
    }

    /**
     * One output's values over the data: its shape per sample ("*" for the batch axis; "varies"
     * when samples differ), how many values, their mean, standard deviation and range over the
     * finite ones, and how many were NaN or infinite.
     */
    public record OutputStats(String output, String shape, long values, double mean, double std, double min,
                              double max, long nonFinite) {
    }

    /**
     * Everything {@link #evaluate(Engine, Map, Engine, double, Dataset, int, LongConsumer)} found:
     * {@code accuracy} is null unless an output holds class scores and the data has labels;
     * {@code classOutput} names that output; {@code vsReference} is empty without a reference.
     */
    public record Report(Result accuracy, String classOutput, List<OutputStats> outputs,
                         List<ModelComparison.Row> vsReference, long samples, long millis) {
    }

    private Evaluator() {
    }

    /** Labels must name one of the output's classes: 255 against 10 classes is a wrong labels file, not 0% top-1. */
    private static void checkLabels(Dataset data, long[] labels, int classes, long before) {
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] < 0 || labels[i] >= classes) {
                throw new LowbitException(data.name() + ": label " + labels[i] + " of sample " + (before + i)
                        + " is outside the model's " + classes + " classes (0.." + (classes - 1) + ")");
            }
        }
    }

    /**
     * Runs {@code engine} over {@code data}: top-1/top-5 of its first class-scores output (by
     * {@code kinds}, see {@link OutputKind#of}) when the data has labels, statistics of every float
     * output, and, when {@code reference} is not null, every output compared with the reference's
     * on the same feeds (outputs matched by name, else by position; probability maps as masks of the
 * values above {@code maskThreshold}).
     */
    public static Report evaluate(Engine engine, Map<String, OutputKind> kinds, Engine reference, double maskThreshold,
                                  Dataset data, int batchSize, LongConsumer progress) {
        List<String> outputs = engine.outputNames();
        String classOutput = outputs.stream().filter(o -> kinds.get(o) == OutputKind.CLASS_SCORES).findFirst()
                .orElse(null);
        boolean scoreTop1 = classOutput != null && data.hasLabels();
        if (reference != null && !new HashSet<>(reference.inputNames()).equals(new HashSet<>(engine.inputNames()))) {
            throw new LowbitException("the model and its reference have different inputs: " + engine.inputNames()
                    + " and " + reference.inputNames());
        }
        List<String> refOutputs = reference == null ? List.of() : reference.outputNames();
        OutputAgreement agreement = reference == null ? null
                : new OutputAgreement(refOutputs, kinds, maskThreshold);
        Map<String, ValueStats> stats = new LinkedHashMap<>();
        Accuracy acc = new Accuracy();
        long samples = 0;
        long start = System.nanoTime();
        Iterator<Batch> it = data.batches(batchSize);
        while (it.hasNext()) {
            Batch b = it.next();
            Map<String, Tensor> feeds = b.feeds(engine.inputNames());
            Map<String, Tensor> out = engine.run(feeds);
            if (scoreTop1) {
                Tensor logits = classScores(out.get(classOutput), classOutput);
                checkLabels(data, b.labels(), logits.dim(1), acc.count());
                acc.add(logits.toFloatArray(), logits.dim(1), b.labels());
            }
            for (String o : outputs) {
                stats.computeIfAbsent(o, ValueStats::new).add(out.get(o));
            }
            if (agreement != null) {
                agreement.add(feeds, reference.run(feeds), ModelComparison.byFloatNames(out, refOutputs, outputs), b.size());
            }
            samples += b.size();
            if (progress != null) {
                progress.accept(samples);
            }
        }
        long millis = (System.nanoTime() - start) / 1_000_000;
        Result accuracy = scoreTop1 ? new Result(acc.top1(), acc.top5(), acc.count(), millis, acc.top1Count(),
                acc.top5Count()) : null;
        List<OutputStats> summaries = stats.values().stream().filter(v -> v.values + v.nonFinite > 0)
                .map(ValueStats::summary).toList();
        return new Report(accuracy, classOutput, summaries, agreement == null ? List.of() : agreement.rows(), samples,
                millis);
    }

    private static Tensor classScores(Tensor logits, String output) {
        if (logits.rank() != 2) {
            throw new LowbitException("output '" + output + "' has shape " + Arrays.toString(logits.shapeRef())
                    + "; evaluation expects [N, classes] logits");
        }
        return logits;
    }

    /** Streaming moments and range of one output's float values. */
    private static final class ValueStats {
        private final String output;
        private String shape;
        private long values;
        private long nonFinite;
        private double sum;
        private double sumSquares;
        private double min = Double.POSITIVE_INFINITY;
        private double max = Double.NEGATIVE_INFINITY;

        ValueStats(String output) {
            this.output = output;
        }

        void add(Tensor t) {
            if (t == null || t.dtype() != DType.FLOAT) {
                return;
            }
            int[] dims = t.shapeRef();
            String s = dims.length == 0 ? "[]" : "[*" + (dims.length > 1
                    ? ", " + Arrays.toString(Arrays.copyOfRange(dims, 1, dims.length)).substring(1) : "]");
            shape = shape == null || shape.equals(s) ? s : "varies";
            for (float v : t.floats()) {
                if (!Float.isFinite(v)) {
                    nonFinite++;
                    continue;
                }
                values++;
                sum += v;
                sumSquares += (double) v * v;
                min = Math.min(min, v);
                max = Math.max(max, v);
            }
        }

        OutputStats summary() {
            double mean = values == 0 ? Double.NaN : sum / values;
            double std = values == 0 ? Double.NaN : Math.sqrt(Math.max(0, sumSquares / values - mean * mean));
            return new OutputStats(output, shape, values, mean, std, values == 0 ? Double.NaN : min,
                    values == 0 ? Double.NaN : max, nonFinite);
        }
    }

    /** Evaluates the first output of {@code engine} as [N, classes] logits against the labels. */
    public static Result evaluate(Engine engine, Dataset data, int batchSize, LongConsumer progress) {
        if (!data.hasLabels()) {
            throw new LowbitException(data.name() + ": evaluation needs labels (give --labels)");
        }
        Map<String, OutputKind> firstIsScores = Map.of(engine.outputNames().get(0), OutputKind.CLASS_SCORES);
        return evaluate(engine, firstIsScores, null, ModelComparison.DEFAULT_MASK_THRESHOLD, data, batchSize, progress)
                .accuracy();
    }
}
