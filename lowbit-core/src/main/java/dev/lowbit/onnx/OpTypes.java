package dev.lowbit.onnx;

import dev.lowbit.tensor.DType;
import dev.lowbit.tensor.Tensor;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The element types the standard ONNX ops accept, from the operator specification's type
 * constraints, checked wherever a value's type is known before running: graph inputs,
 * initializers, Constant values, and what Cast, Shape and type-preserving ops make of them. Sets
 * span every opset (Relu took integers from opset 14, MaxPool int8 from 12), so no valid model is
 * refused; it catches what kernels would misread: a Conv weight stored as int64, float Gather
 * indices, an Add of a float and an int64 tensor.
 */
final class OpTypes {
    private static final Set<DType> FLOATS = EnumSet.of(DType.FLOAT, DType.DOUBLE, DType.FLOAT16, DType.BFLOAT16);
    private static final Set<DType> INDICES = EnumSet.of(DType.INT32, DType.INT64);
    private static final Set<DType> INT64 = EnumSet.of(DType.INT64);
    private static final Set<DType> BOOL = EnumSet.of(DType.BOOL);
    private static final Set<DType> NUMERIC = EnumSet.complementOf(EnumSet.of(DType.STRING, DType.BOOL));
    private static final Set<DType> QUANTIZED = EnumSet.of(DType.INT8, DType.UINT8, DType.INT16, DType.UINT16, DType.INT32);
    private static final Set<DType> BYTES = EnumSet.of(DType.INT8, DType.UINT8);
    /** An input position without a constraint. */
    private static final Set<DType> ANY = null;

    /** Op -> allowed types of each input position (null = unconstrained); the last entry covers any further inputs. */
    private static final Map<String, List<Set<DType>>> INPUTS = new HashMap<>();
    /** Ops whose listed inputs must all have one type (the spec's shared T). */
    private static final Map<String, int[]> SAME_TYPE = new HashMap<>();
    /** Ops whose output 0 has the type of input 0. */
    private static final Set<String> PRESERVING = Set.of("Relu", "Sigmoid", "Tanh", "Exp", "Log", "Sqrt", "Neg", "Abs",
            "Erf", "Softmax", "LogSoftmax", "Add", "Sub", "Mul", "Div", "Pow", "MatMul", "Gemm", "Conv", "Transpose",
            "Reshape", "Flatten", "Squeeze", "Unsqueeze", "Concat", "Slice", "Gather", "Identity", "Clip",
            "LeakyRelu", "Gelu", "HardSwish", "HardSigmoid", "MaxPool", "AveragePool", "GlobalAveragePool",
            "BatchNormalization", "LayerNormalization", "ReduceMean", "ReduceSum", "ReduceMax", "ReduceMin",
            "Expand", "Tile", "Pad", "Resize", "Dropout", "Where");

    static {
        for (String op : List.of("Conv", "ConvTranspose", "InstanceNormalization", "LRN", "Sigmoid", "Tanh", "Exp",
                "Log", "Sqrt", "Softmax", "LogSoftmax", "Gelu", "HardSwish", "HardSigmoid", "Elu", "Selu",
                "Softplus", "Softsign", "GlobalAveragePool", "AveragePool", "Reciprocal", "Erf")) {
            INPUTS.put(op, Arrays.asList(op.equals("Erf") || op.equals("Reciprocal") ? NUMERIC : FLOATS));
        }
        INPUTS.put("BatchNormalization", Arrays.asList(FLOATS));
        INPUTS.put("LayerNormalization", Arrays.asList(FLOATS));
        INPUTS.put("Relu", Arrays.asList(NUMERIC));
        INPUTS.put("MaxPool", Arrays.asList(NUMERIC));
        INPUTS.put("MatMul", Arrays.asList(NUMERIC));
        INPUTS.put("Gemm", Arrays.asList(NUMERIC));
        INPUTS.put("Gather", Arrays.asList(ANY, INDICES));
        INPUTS.put("GatherElements", Arrays.asList(ANY, INDICES));
        INPUTS.put("GatherND", Arrays.asList(ANY, INT64));
        INPUTS.put("ScatterND", Arrays.asList(ANY, INT64, ANY));
        INPUTS.put("ScatterElements", Arrays.asList(ANY, INDICES, ANY));
        INPUTS.put("Reshape", Arrays.asList(ANY, INT64));
        INPUTS.put("Expand", Arrays.asList(ANY, INT64));
        INPUTS.put("Tile", Arrays.asList(ANY, INT64));
        INPUTS.put("ConstantOfShape", Arrays.asList(INT64));
        INPUTS.put("Unsqueeze", Arrays.asList(ANY, INT64));
        INPUTS.put("Squeeze", Arrays.asList(ANY, INT64));
        INPUTS.put("Split", Arrays.asList(ANY, INT64));
        INPUTS.put("Slice", Arrays.asList(ANY, INDICES));
        INPUTS.put("Pad", Arrays.asList(ANY, INT64, ANY, INDICES));
        INPUTS.put("TopK", Arrays.asList(NUMERIC, INT64));
        INPUTS.put("Where", Arrays.asList(BOOL, ANY));
        for (String op : List.of("Not", "And", "Or", "Xor")) {
            INPUTS.put(op, Arrays.asList(BOOL));
        }
        for (String op : List.of("ReduceMean", "ReduceSum", "ReduceMax", "ReduceMin", "ReduceProd", "ReduceL1", "ReduceL2",
                "ReduceSumSquare", "ReduceLogSumExp", "ReduceLogSum")) {
            INPUTS.put(op, Arrays.asList(NUMERIC, INT64));
        }
        INPUTS.put("QuantizeLinear", Arrays.asList(EnumSet.of(DType.FLOAT, DType.FLOAT16, DType.BFLOAT16, DType.INT32),
                EnumSet.of(DType.FLOAT, DType.FLOAT16, DType.BFLOAT16, DType.INT32), QUANTIZED));
        INPUTS.put("DequantizeLinear", Arrays.asList(QUANTIZED, FLOATS, QUANTIZED));
        INPUTS.put("QLinearConv", Arrays.asList(BYTES, EnumSet.of(DType.FLOAT), BYTES, BYTES, EnumSet.of(DType.FLOAT), BYTES,
                EnumSet.of(DType.FLOAT), BYTES, EnumSet.of(DType.INT32)));
        INPUTS.put("QLinearMatMul", Arrays.asList(BYTES, EnumSet.of(DType.FLOAT), BYTES, BYTES, EnumSet.of(DType.FLOAT), BYTES,
                EnumSet.of(DType.FLOAT), BYTES));
        INPUTS.put("MatMulInteger", Arrays.asList(BYTES));
        INPUTS.put("ConvInteger", Arrays.asList(BYTES));
        for (String op : List.of("Add", "Sub", "Mul", "Div", "Equal", "Less", "Greater", "LessOrEqual", "GreaterOrEqual",
                "MatMul", "PRelu", "Mod")) {
            SAME_TYPE.put(op, new int[] {0, 1});
        }
        SAME_TYPE.put("Gemm", new int[] {0, 1, 2});
        SAME_TYPE.put("Conv", new int[] {0, 1, 2});
        SAME_TYPE.put("Where", new int[] {1, 2});
    }

    private OpTypes() {
    }

    /** A one-line problem with a known input type of {@code n}, or null. {@code known}: value -> type so far. */
    static String check(Node n, Map<String, DType> known) {
        if (!n.domain().isEmpty() && !n.domain().equals("ai.onnx")) {
            return null;
        }
        List<Set<DType>> allowed = INPUTS.get(n.opType());
        for (int i = 0; allowed != null && i < n.inputs().size(); i++) {
            Set<DType> set = allowed.get(Math.min(i, allowed.size() - 1));
            DType t = n.input(i).isEmpty() ? null : known.get(n.input(i));
            if (set != null && t != null && !set.contains(t)) {
                return n.label() + " input " + i + " '" + n.input(i) + "' is " + t.onnxName() + "; " + n.opType()
                        + " takes " + names(set) + " there";
            }
        }
        int[] same = SAME_TYPE.get(n.opType());
        DType first = null;
        for (int k = 0; same != null && k < same.length; k++) {
            int i = same[k];
            DType t = i < n.inputs().size() && !n.input(i).isEmpty() ? known.get(n.input(i)) : null;
            if (t != null && first != null && t != first) {
                return n.label() + " mixes element types: input " + i + " '" + n.input(i) + "' is " + t.onnxName()
                        + ", an earlier one " + first.onnxName() + " (" + n.opType() + " needs one type)";
            }
            first = first == null ? t : first;
        }
        return null;
    }

    /** Records the types of {@code n}'s outputs that follow from its inputs or attributes. */
    static void propagate(Node n, Map<String, DType> known) {
        if (n.outputs().isEmpty() || n.output(0).isEmpty() || (!n.domain().isEmpty() && !n.domain().equals("ai.onnx"))) {
            return;
        }
        DType out = switch (n.opType()) {
            case "Cast" -> castTarget(n);
            case "Shape", "Size", "NonZero", "ArgMax", "ArgMin" -> DType.INT64;
            case "Equal", "Less", "Greater", "LessOrEqual", "GreaterOrEqual", "Not", "And", "Or", "Xor", "IsNaN", "IsInf" -> DType.BOOL;
            case "Constant" -> n.has("value") && n.attributes().get("value").type() == Attribute.Type.TENSOR
                    ? ((Tensor) n.attributes().get("value").value()).dtype() : null;
            default -> PRESERVING.contains(n.opType()) && !n.inputs().isEmpty()
                    ? known.get(n.opType().equals("Where") && n.inputs().size() > 1 ? n.input(1) : n.input(0)) : null;
        };
        if (out != null) {
            known.put(n.output(0), out);
        }
    }

    /** Cast's "to", or null when lowbit has no such type (the executor reports it). */
    private static DType castTarget(Node n) {
        try {
            return n.has("to") ? DType.fromOnnx((int) n.getInt("to", 0)) : null;
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private static String names(Set<DType> set) {
        return String.join(", ", set.stream().map(DType::onnxName).toList());
    }
}
