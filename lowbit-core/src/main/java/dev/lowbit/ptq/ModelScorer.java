package dev.lowbit.ptq;

import dev.lowbit.LowbitException;
import dev.lowbit.data.Batch;
import dev.lowbit.data.Dataset;
import dev.lowbit.eval.Accuracy;
import dev.lowbit.eval.Agreement;
import dev.lowbit.exec.Executor;
import dev.lowbit.onnx.Model;
import dev.lowbit.tensor.DType;
import dev.lowbit.tensor.Tensor;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Scores quantized versions of one float model on an evaluation set held in memory: top-1
 * accuracy when the data have labels, and the SQNR of the first output against the float model's
 * (computed once). Used to rank layers by sensitivity and to check accuracy targets.
 */
public final class ModelScorer {
    /** One model's score: top-1 in percent (NaN without labels) and output SQNR in dB vs float. */
    public record Score(double top1, double sqnrDb) {
        /** Noise energy relative to the float output's: 10^(−SQNR/10); additive across independent error sources. */
        public double relativeNoise() {
            return Double.isInfinite(sqnrDb) ? 0 : Math.pow(10, -sqnrDb / 10);
        }
    }

    private final List<Map<String, Tensor>> feeds = new ArrayList<>();
    private final List<long[]> labels = new ArrayList<>();
    private final List<float[]> reference = new ArrayList<>();
    private final boolean labelled;
    private final double floatTop1;
    private int samples;

    /** Reads up to {@code limit} samples of {@code data} (0 = all) and runs the float model on them once. */
    public ModelScorer(Model floatModel, Dataset data, int batchSize) {
        Executor fe = new Executor(floatModel);
        List<String> inputs = fe.inputs().stream().map(dev.lowbit.onnx.ValueInfo::name).toList();
        labelled = data.hasLabels();
        Accuracy acc = new Accuracy();
        Iterator<Batch> it = data.batches(batchSize);
        while (it.hasNext()) {
            Batch b = it.next();
            Map<String, Tensor> x = b.feeds(inputs);
            feeds.add(x);
            Tensor out = first(fe.run(x), floatModel);
            reference.add(out.floats().clone());
            if (labelled) {
                labels.add(b.labels());
                acc.add(out.floats(), classes(out), b.labels());
            }
            samples += b.size();
        }
        if (samples == 0) {
            throw new LowbitException(data.name() + ": no evaluation samples");
        }
        floatTop1 = labelled ? acc.top1() : Double.NaN;
    }

    public boolean labelled() {
        return labelled;
    }

    public int samples() {
        return samples;
    }

    /** Top-1 of the float model in percent (NaN without labels). */
    public double floatTop1() {
        return floatTop1;
    }

    /** Runs {@code model} (lowbit's engine) on the held samples. */
    public Score score(Model model) {
        Executor exec = new Executor(model);
        Accuracy acc = new Accuracy();
        Agreement agree = new Agreement();
        for (int i = 0; i < feeds.size(); i++) {
            Tensor out = first(exec.run(feeds.get(i)), model);
            agree.add(reference.get(i), out.floats(), 0);
            if (labelled) {
                acc.add(out.floats(), classes(out), labels.get(i));
            }
        }
        return new Score(labelled ? acc.top1() : Double.NaN, agree.sqnrDb());
    }

    private static Tensor first(Map<String, Tensor> outputs, Model m) {
        String name = m.graph().outputs().get(0).name();
        Tensor t = outputs.get(name);
        if (t == null || t.dtype() != DType.FLOAT) {
            throw new LowbitException("scoring needs a float first output; '" + name + "' is "
                    + (t == null ? "missing" : t.dtype().onnxName()));
        }
        return t;
    }

    private static int classes(Tensor logits) {
        if (logits.rank() != 2) {
            throw new LowbitException("accuracy needs [N, classes] logits, got shape " + java.util.Arrays.toString(logits.shapeRef()));
        }
        return logits.dim(1);
    }
}
