package dev.lowbit.ptq;

import dev.lowbit.onnx.Graph;
import dev.lowbit.onnx.Node;
import java.util.HashMap;
import java.util.Map;

/**
 * The registry of {@link OpQuantizer}s by op type. An op without an entry has no integer kernel
 * in the target runtimes and stays float.
 */
public final class OpQuantizers {
    private static final Map<String, OpQuantizer> BY_OP = new HashMap<>();

    static {
        OpQuantizer weighted = new WeightedOpQuantizer();
        for (String op : new String[] {"Conv", "Gemm", "MatMul"}) {
            BY_OP.put(op, weighted);
        }
        OpQuantizer activation = new ActivationOpQuantizer();
        BY_OP.put("Relu", activation);
        BY_OP.put("Clip", activation);
        OpQuantizer own = new OwnParamsQuantizer();
        for (String op : new String[] {"AveragePool", "GlobalAveragePool", "Concat", "Add"}) {
            BY_OP.put(op, own);
        }
        OpQuantizer shared = new SharedParamsQuantizer();
        for (String op : new String[] {"MaxPool", "Reshape", "Flatten", "Transpose", "Squeeze", "Unsqueeze", "Resize",
                "Slice", "Split", "Identity"}) {
            BY_OP.put(op, shared);
        }
        BY_OP.put("Gather", new EmbeddingQuantizer());
        OpQuantizer floatNonNegative = new FloatOp(true);
        BY_OP.put("Sigmoid", floatNonNegative);
        BY_OP.put("Softmax", floatNonNegative);
    }

    private static final OpQuantizer FLOAT = new FloatOp(false);

    /** An op without an integer kernel: stays float; Sigmoid and Softmax still tell their readers their output is never negative. */
    private record FloatOp(boolean nonNegative) implements OpQuantizer {
        @Override
        public String plan(Node n, PlanContext ctx) {
            return n.opType() + ": no integer kernel, stays float";
        }

        @Override
        public boolean hasIntegerKernel() {
            return false;
        }

        @Override
        public boolean nonNegativeOutput(Node n, Graph g) {
            return nonNegative;
        }
    }

    private OpQuantizers() {
    }

    /** The quantizer of {@code opType} (one that keeps the node float when the op has none). */
    public static OpQuantizer forOp(String opType) {
        return BY_OP.getOrDefault(opType, FLOAT);
    }

    /** True when some reader of {@code value} runs in integer (has an integer kernel and is not excluded). */
    static boolean readInInteger(PlanContext ctx, String value) {
        return ctx.consumers(value).stream().anyMatch(c -> !ctx.isExcluded(c) && forOp(c.opType()).hasIntegerKernel());
    }

    /** True when {@code value} comes from an op whose output is never negative (ReLU-like, or pooling of such). */
    public static boolean nonNegative(Graph g, String value) {
        Node p = g.producer(value);
        return p != null && forOp(p.opType()).nonNegativeOutput(p, g);
    }
}
