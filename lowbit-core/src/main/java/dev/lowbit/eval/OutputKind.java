package dev.lowbit.eval;

import dev.lowbit.onnx.Model;
import dev.lowbit.onnx.Node;
import dev.lowbit.onnx.ValueInfo;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * What a model output holds, read from the op that computes it, so that comparisons judge it by
 * the decision its users take from it: class scores by top-1, probability maps (a segmentation or
 * text detector's Sigmoid) by the IoU of their thresholded masks, per-step class scores (a text
 * recogniser's Softmax over [N, T, C]) by their greedy CTC decodes; other outputs by SQNR and
 * cosine only.
 */
public enum OutputKind {
    /** [N, C] scores of a Gemm, MatMul or Conv (through a bias Add, Softmax or reshaping). */
    CLASS_SCORES,
    /** A Sigmoid's output of rank 3 or more: values in [0, 1] per position. */
    PROBABILITY_MAP,
    /** A Softmax over the last axis of [N, T, C]: one class distribution per step of a sequence. */
    SEQUENCE_SCORES,
    /** Anything else: embeddings, features, regression values. */
    OTHER;

    /** Ops that pass a value through without changing what it means. */
    /** Ops that keep scores scores (Clip: the generic backend's narrow-range clip before a QuantizeLinear). */
    private static final Set<String> PASS_THROUGH = Set.of("Identity", "Flatten", "Reshape", "Squeeze",
            "DequantizeLinear", "QuantizeLinear", "Clip");

    /** The kind of each of {@code m}'s outputs, in output order. */
    public static Map<String, OutputKind> of(Model m) {
        Map<String, OutputKind> kinds = new LinkedHashMap<>();
        for (ValueInfo v : m.graph().outputs()) {
            kinds.put(v.name(), of(m, v));
        }
        return kinds;
    }

    private static OutputKind of(Model m, ValueInfo v) {
        int rank = v.dims() == null ? -1 : v.dims().length;
        Node p = m.graph().producer(v.name());
        for (int hops = 0; p != null && hops < 8; hops++) {
            String op = p.opType();
            if ((op.equals("Gemm") || op.equals("MatMul") || op.equals("Conv")) && (rank == 2 || rank == -1)) {
                return CLASS_SCORES;
            }
            if (op.equals("Sigmoid") && rank >= 3) {
                return PROBABILITY_MAP;
            }
            if (op.equals("Softmax") && rank == 3) {
                return SEQUENCE_SCORES;
            }
            boolean scoresSoFar = op.equals("Add") || op.equals("Softmax") || op.equals("LogSoftmax");
            if (!(scoresSoFar && (rank == 2 || rank == -1)) && !PASS_THROUGH.contains(op)) {
                return OTHER;
            }
            p = m.graph().producer(p.input(0));
        }
        return OTHER;
    }

    /** Greedy CTC decoding of one sample's [T, C] scores at {@code offset}: per-step argmax, repeats merged, blank 0 dropped. */
    public static int[] greedyCtc(float[] scores, int offset, int steps, int classes) {
        int[] out = new int[steps];
        int n = 0;
        int previous = -1;
        for (int t = 0; t < steps; t++) {
            int best = Accuracy.argmax(scores, classes, offset / classes + t);
            if (best != previous && best != 0) {
                out[n++] = best;
            }
            previous = best;
        }
        return Arrays.copyOf(out, n);
    }
}
