package dev.lowbit.onnx;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * How many inputs the standard ONNX ops take (trailing optional inputs may be left out), from the
 * operator specification. Where the count changed between opsets (Reshape, Clip, Pad, Slice,
 * Squeeze...) the range spans every opset, so a valid model is never refused; it still catches a
 * Conv with one input or an Add with three, which kernels would otherwise index past.
 */
final class OpArity {
    private record Range(int min, int max) {
    }

    private static final int ANY = Integer.MAX_VALUE;
    private static final Map<String, Range> INPUTS = new HashMap<>();

    static {
        for (String op : List.of("Relu", "Sigmoid", "Tanh", "Exp", "Log", "Sqrt", "Neg", "Abs", "Erf", "Softplus",
                "Softsign", "Reciprocal", "Floor", "Ceil", "Round", "Sign", "Sin", "Cos", "Tan", "Not", "Identity",
                "Elu", "Selu", "LeakyRelu", "HardSigmoid", "HardSwish", "Gelu", "Mish", "Celu", "ThresholdedRelu",
                "Softmax", "LogSoftmax", "Hardmax", "Flatten", "Shape", "Size", "GlobalAveragePool", "GlobalMaxPool",
                "GlobalLpPool", "Transpose", "IsNaN", "Cast", "ConstantOfShape", "NonZero", "DepthToSpace",
                "SpaceToDepth", "LRN", "MaxPool", "AveragePool", "LpPool", "EyeLike", "DynamicQuantizeLinear")) {
            INPUTS.put(op, new Range(1, 1));
        }
        for (String op : List.of("Add", "Sub", "Mul", "Div", "Pow", "MatMul", "Equal", "Less", "Greater",
                "LessOrEqual", "GreaterOrEqual", "And", "Or", "Xor", "PRelu", "BitShift", "Mod", "Gather",
                "GatherElements", "GatherND", "Expand", "Tile")) {
            INPUTS.put(op, new Range(2, 2));
        }
        for (String op : List.of("Concat", "Sum", "Max", "Min", "Mean", "Einsum")) {
            INPUTS.put(op, new Range(1, ANY));
        }
        INPUTS.put("Conv", new Range(2, 3));
        INPUTS.put("ConvTranspose", new Range(2, 3));
        INPUTS.put("Gemm", new Range(2, 3));
        INPUTS.put("BatchNormalization", new Range(5, 5));
        INPUTS.put("InstanceNormalization", new Range(3, 3));
        INPUTS.put("LayerNormalization", new Range(2, 3));
        INPUTS.put("Where", new Range(3, 3));
        INPUTS.put("Range", new Range(3, 3));
        INPUTS.put("Reshape", new Range(1, 2));
        INPUTS.put("Clip", new Range(1, 3));
        INPUTS.put("Pad", new Range(1, 4));
        INPUTS.put("Slice", new Range(1, 5));
        INPUTS.put("Squeeze", new Range(1, 2));
        INPUTS.put("Unsqueeze", new Range(1, 2));
        INPUTS.put("Split", new Range(1, 2));
        INPUTS.put("Dropout", new Range(1, 3));
        INPUTS.put("TopK", new Range(1, 2));
        INPUTS.put("Resize", new Range(1, 4));
        INPUTS.put("QuantizeLinear", new Range(2, 3));
        INPUTS.put("DequantizeLinear", new Range(2, 3));
        INPUTS.put("QLinearConv", new Range(8, 9));
        INPUTS.put("QLinearMatMul", new Range(8, 8));
        INPUTS.put("MatMulInteger", new Range(2, 4));
        INPUTS.put("ConvInteger", new Range(2, 4));
    }

    private OpArity() {
    }

    /** A one-line problem with the node's input count, or null when it is fine or the op is not listed. */
    static String check(Node n) {
        if (!n.domain().isEmpty() && !n.domain().equals("ai.onnx")) {
            return null;
        }
        Range r = INPUTS.get(n.opType());
        if (r == null) {
            return null;
        }
        int given = n.inputs().size();
        while (given > 0 && n.inputs().get(given - 1).isEmpty()) {
            given--; // trailing optional inputs left empty
        }
        if (given >= r.min && n.inputs().size() <= r.max) {
            return null;
        }
        String expected = r.min == r.max ? Integer.toString(r.min) : r.max == ANY ? "at least " + r.min : r.min + " to " + r.max;
        return n.label() + " has " + n.inputs().size() + " input(s); " + n.opType() + " takes " + expected;
    }
}
