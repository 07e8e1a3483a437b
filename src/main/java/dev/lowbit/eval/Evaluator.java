package dev.lowbit.eval;

import dev.lowbit.LowbitException;
import dev.lowbit.data.Batch;
import dev.lowbit.data.Dataset;
import dev.lowbit.engine.Engine;
import dev.lowbit.tensor.Tensor;
import java.util.Iterator;
import java.util.Map;
import java.util.function.LongConsumer;

/** Classifier accuracy of any {@link Engine} over a labelled data set, streamed in batches. */
public final class Evaluator {
    /** Top-1/top-5 in percent over {@code samples} images, and the wall time taken. */
    public record Result(double top1, double top5, long samples, long millis) {
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

    /** Evaluates the first output of {@code engine} as [N, classes] logits against the labels. */
    public static Result evaluate(Engine engine, Dataset data, int batchSize, LongConsumer progress) {
        if (!data.hasLabels()) {
            throw new LowbitException(data.name() + ": evaluation needs labels (give --labels)");
        }
        String output = engine.outputNames().get(0);
        Accuracy acc = new Accuracy();
        long start = System.nanoTime();
        Iterator<Batch> it = data.batches(batchSize);
        while (it.hasNext()) {
            Batch b = it.next();
            Map<String, Tensor> out = engine.run(b.feeds(engine.inputNames()));
            Tensor logits = out.get(output);
            if (logits.rank() != 2) {
                throw new LowbitException("output '" + output + "' has shape " + java.util.Arrays.toString(logits.shapeRef())
                        + "; evaluation expects [N, classes] logits");
            }
            checkLabels(data, b.labels(), logits.dim(1), acc.count());
            acc.add(logits.toFloatArray(), logits.dim(1), b.labels());
            if (progress != null) {
                progress.accept(acc.count());
            }
        }
        return new Result(acc.top1(), acc.top5(), acc.count(), (System.nanoTime() - start) / 1_000_000);
    }
}
