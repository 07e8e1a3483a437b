package dev.lowbit.qat;

import dev.lowbit.data.Batch;
import dev.lowbit.onnx.Model;
import dev.lowbit.tensor.Tensor;
import java.util.Map;

/**
 * Top-1 accuracy of a model in lowbit's engine on an in-memory labelled set. The engine is the
 * deployed one ({@link dev.lowbit.engine.JavaEngine}: QDQ patterns run as integer QLinear ops like ONNX
 * Runtime), so the accuracy reported after each epoch is the one a runtime gets from the export.
 */
public final class Evaluation {
    private static final int BATCH = 250;

    private Evaluation() {
    }

    /** Top-1 of {@code m} on the first {@code limit} samples of {@code data} (0 = all). */
    public static double top1(Model m, Batch data, int limit) {
        dev.lowbit.engine.JavaEngine exec = new dev.lowbit.engine.JavaEngine(m);
        String out = m.graph().outputs().get(0).name();
        int n = limit > 0 ? Math.min(limit, data.size()) : data.size();
        long correct = 0;
        for (int from = 0; from < n; from += BATCH) {
            int to = Math.min(n, from + BATCH);
            Batch b = data.slice(from, to);
            correct += correct(exec.run(b.feeds(exec.inputNames())).get(out), b.labels());
        }
        return (double) correct / n;
    }

    /** Samples {@code [from, to)} of a batch tensor. */
    public static Tensor slice(Tensor x, int from, int to) {
        int[] shape = x.shape();
        int per = x.size() / shape[0];
        shape[0] = to - from;
        return Tensor.of(java.util.Arrays.copyOfRange(x.floats(), from * per, to * per), shape);
    }

    /** How many rows of logits [N, C] have their largest value at the label. */
    public static int correct(Tensor logits, long[] labels) {
        int c = logits.dim(1);
        float[] z = logits.floats();
        int ok = 0;
        for (int i = 0; i < labels.length; i++) {
            int best = 0;
            for (int j = 1; j < c; j++) {
                if (z[i * c + j] > z[i * c + best]) {
                    best = j;
                }
            }
            ok += best == labels[i] ? 1 : 0;
        }
        return ok;
    }
}
