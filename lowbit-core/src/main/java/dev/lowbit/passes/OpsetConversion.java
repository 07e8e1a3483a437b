package dev.lowbit.passes;

import dev.lowbit.onnx.Attribute;
import dev.lowbit.onnx.Graph;
import dev.lowbit.onnx.Model;
import dev.lowbit.onnx.Node;
import dev.lowbit.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Converts a graph of opset 7–12 to opset 13, the first with per-axis QuantizeLinear and
 * DequantizeLinear (per-channel weights). Ops whose meaning changed on the way are rewritten to
 * keep it: Softmax/LogSoftmax/Hardmax before 13 flatten to 2-D at {@code axis} (kept as
 * Flatten → op → Reshape unless the axis is the last one); attributes that became inputs (Split's
 * split, Squeeze/Unsqueeze/ReduceSum axes, Clip's min/max, Pad's pads and value, Slice's
 * starts/ends/axes/steps, TopK's k) become constant inputs; Upsample and opset-10 Resize become
 * Resize with asymmetric coordinates and floor rounding; Dropout becomes Identity. A graph with
 * any other op outside {@link #UNCHANGED} (or with subgraphs) is not converted: {@link #refusal}
 * says why.
 */
public final class OpsetConversion {
    public static final int TARGET = 13;

    /** Ops whose inference semantics are the same from opset 7 to 13 (attributes with backward-compatible defaults). */
    static final Set<String> UNCHANGED = Set.of("Abs", "Acos", "Acosh", "Add", "And", "ArgMax", "ArgMin", "Asin", "Asinh",
            "Atan", "Atanh", "AveragePool", "BatchNormalization", "Cast", "Ceil", "Celu", "Concat", "Constant",
            "ConstantOfShape", "Conv", "ConvTranspose", "Cos", "Cosh", "CumSum", "DepthToSpace", "DequantizeLinear", "Div",
            "Einsum", "Elu", "Equal", "Erf", "Exp", "Expand", "EyeLike", "Flatten", "Floor", "Gather", "GatherElements",
            "GatherND", "Gemm", "GlobalAveragePool", "GlobalLpPool", "GlobalMaxPool", "Greater", "GreaterOrEqual",
            "HardSigmoid", "Identity", "InstanceNormalization", "IsInf", "IsNaN", "LRN", "LeakyRelu", "Less",
            "LessOrEqual", "Log", "LpNormalization", "LpPool", "MatMul", "MatMulInteger", "Max", "MaxPool", "Mean", "Min",
            "Mod", "Mul", "Neg", "NonMaxSuppression", "NonZero", "Not", "OneHot", "Or", "PRelu", "Pow", "QLinearConv",
            "QLinearMatMul", "QuantizeLinear", "Range", "Reciprocal", "ReduceL1", "ReduceL2", "ReduceLogSum",
            "ReduceLogSumExp", "ReduceMax", "ReduceMean", "ReduceMin", "ReduceProd", "ReduceSumSquare", "Relu", "Reshape",
            "Round", "ScatterElements", "ScatterND", "Selu", "Shape", "Shrink", "Sigmoid", "Sign", "Sin", "Sinh", "Size",
            "Softplus", "Softsign", "SpaceToDepth", "Sqrt", "Sub", "Sum", "Tan", "Tanh", "ThresholdedRelu", "Tile",
            "Transpose", "Where", "Xor", "ConvInteger", "MaxUnpool", "RoiAlign", "GRU", "LSTM", "RNN", "Det",
            "BitShift", "Compress", "Unique", "ReverseSequence", "MeanVarianceNormalization", "Trilu");

    static final Set<String> REWRITTEN = Set.of("Softmax", "LogSoftmax", "Hardmax", "Split", "Squeeze", "Unsqueeze",
            "ReduceSum", "Clip", "Pad", "Slice", "TopK", "Upsample", "Resize", "Dropout");

    private OpsetConversion() {
    }

    /** Why {@code m} cannot be converted (null = it can, or is already at opset 13 or newer). */
    public static String refusal(Model m) {
        if (m.opset() >= TARGET) {
            return null;
        }
        if (m.opset() < 7) {
            return "opset " + m.opset() + " is older than 7";
        }
        for (Node n : m.graph().nodes()) {
            if (!n.domain().isEmpty() && !n.domain().equals("ai.onnx")) {
                return "node " + n.label() + " is in domain " + n.domain();
            }
            if (!UNCHANGED.contains(n.opType()) && !REWRITTEN.contains(n.opType())) {
                return "op " + n.opType() + " (node " + n.label() + ") has no conversion to opset " + TARGET;
            }
            if (n.attributes().values().stream().anyMatch(a -> a.type() == Attribute.Type.GRAPH || a.type() == Attribute.Type.GRAPHS)) {
                return "node " + n.label() + " has subgraphs";
            }
        }
        return null;
    }

    /**
     * A copy of {@code m} at opset 13 (check {@link #refusal} first). {@code ranks} gives the rank of
     * the values the rewrite needs to know (Softmax inputs), from a run of the model; a missing rank
     * takes the general Flatten/Reshape form.
     */
    public static Model convert(Model m, Map<String, Integer> ranks) {
        String why = refusal(m);
        if (why != null) {
            throw new IllegalArgumentException(why);
        }
        Model out = m.copy();
        int from = m.opset();
        if (from >= TARGET) {
            return out;
        }
        Graph g = out.graph();
        for (Node n : new ArrayList<>(g.nodes())) {
            rewrite(g, n, from, ranks);
        }
        out.opsets().put("", (long) TARGET);
        return out;
    }

    private static void rewrite(Graph g, Node n, int from, Map<String, Integer> ranks) {
        switch (n.opType()) {
            case "Softmax", "LogSoftmax", "Hardmax" -> softmax(g, n, ranks.get(n.input(0)));
            case "Split" -> attributeToInput(g, n, "split", 1);
            case "Squeeze", "Unsqueeze", "ReduceSum" -> attributeToInput(g, n, "axes", 1);
            case "Clip" -> {
                if (from < 11) {
                    clip(g, n);
                }
            }
            case "Pad" -> {
                if (from < 11) {
                    pad(g, n);
                }
            }
            case "Slice" -> {
                if (from < 10) {
                    slice(g, n);
                }
            }
            case "TopK" -> {
                if (from < 10) {
                    setInput(n, 1, constant(g, n, "k", Tensor.of(new long[] {n.getInt("k", 1)}, 1)));
                    n.attributes().remove("k");
                }
            }
            case "Upsample" -> resize(g, n, n.hasInput(1) ? n.input(1) : "", n.getFloats("scales", null));
            case "Resize" -> {
                if (from < 11) {
                    resize(g, n, n.input(1), null);
                }
            }
            case "Dropout" -> {
                n.setOpType("Identity");
                n.attributes().clear();
                while (n.outputs().size() > 1) {
                    n.outputs().remove(n.outputs().size() - 1); // the mask output is never read at inference
                }
                while (n.inputs().size() > 1) {
                    n.inputs().remove(n.inputs().size() - 1);
                }
            }
            case "BatchNormalization" -> {
                n.attributes().remove("spatial");
                n.attributes().remove("is_test");
                n.attributes().remove("consumed_inputs");
            }
            default -> {
            }
        }
    }

    /** Before 13: softmax over the 2-D flattening at {@code axis} (default 1). From 13: over one axis (default -1). */
    private static void softmax(Graph g, Node n, Integer rank) {
        long axis = n.getInt("axis", 1);
        if (axis == -1 || (rank != null && axis == rank - 1)) {
            n.set(Attribute.ofInt("axis", -1));
            return;
        }
        String x = n.input(0);
        String y = n.output(0);
        String flat = g.uniqueName(x + "_flat2d");
        String shape = g.uniqueName(x + "_shape");
        String soft = g.uniqueName(y + "_2d");
        Node flatten = new Node("Flatten", g.uniqueName(n.name() + "_Flatten"), List.of(x), List.of(flat));
        flatten.set(Attribute.ofInt("axis", axis));
        Node shapeOf = new Node("Shape", g.uniqueName(n.name() + "_Shape"), List.of(x), List.of(shape));
        Node reshape = new Node("Reshape", g.uniqueName(n.name() + "_Reshape"), List.of(soft, shape), List.of(y));
        n.inputs().set(0, flat);
        n.outputs().set(0, soft);
        n.set(Attribute.ofInt("axis", 1));
        g.insertBefore(n, flatten);
        g.insertBefore(n, shapeOf);
        g.insertAfter(n, reshape);
    }

    private static void attributeToInput(Graph g, Node n, String attr, int index) {
        if (!n.has(attr)) {
            return;
        }
        long[] v = n.getInts(attr, new long[0]);
        setInput(n, index, constant(g, n, attr, Tensor.of(v, v.length)));
        n.attributes().remove(attr);
    }

    private static void clip(Graph g, Node n) {
        float lo = n.getFloat("min", Float.NEGATIVE_INFINITY);
        float hi = n.getFloat("max", Float.POSITIVE_INFINITY);
        setInput(n, 1, n.has("min") ? constant(g, n, "min", Tensor.scalar(lo)) : "");
        setInput(n, 2, n.has("max") ? constant(g, n, "max", Tensor.scalar(hi)) : "");
        n.attributes().remove("min");
        n.attributes().remove("max");
        trimEmptyTail(n);
    }

    private static void pad(Graph g, Node n) {
        long[] pads = n.getInts("pads", n.getInts("paddings", new long[0]));
        float value = n.getFloat("value", 0f);
        setInput(n, 1, constant(g, n, "pads", Tensor.of(pads, pads.length)));
        if (value != 0f) {
            setInput(n, 2, constant(g, n, "value", Tensor.scalar(value)));
        }
        n.attributes().remove("pads");
        n.attributes().remove("paddings");
        n.attributes().remove("value");
    }

    private static void slice(Graph g, Node n) {
        long[] starts = n.getInts("starts", new long[0]);
        long[] ends = n.getInts("ends", new long[0]);
        setInput(n, 1, constant(g, n, "starts", Tensor.of(starts, starts.length)));
        setInput(n, 2, constant(g, n, "ends", Tensor.of(ends, ends.length)));
        if (n.has("axes")) {
            long[] axes = n.getInts("axes", new long[0]);
            setInput(n, 3, constant(g, n, "axes", Tensor.of(axes, axes.length)));
        }
        n.attributes().remove("starts");
        n.attributes().remove("ends");
        n.attributes().remove("axes");
    }

    /**
     * Upsample (and Resize before 11): x_original = x_resized / scale, nearest rounding down: Resize-13
     * with asymmetric coordinates and nearest_mode floor. Scales were an attribute before opset 9.
     */
    private static void resize(Graph g, Node n, String scalesInput, float[] scalesAttr) {
        String mode = n.getString("mode", "nearest");
        String scales = scalesAttr != null ? constant(g, n, "scales", Tensor.of(scalesAttr.clone(), scalesAttr.length))
                : scalesInput;
        n.setOpType("Resize");
        n.attributes().clear();
        n.set(Attribute.ofString("mode", mode.equals("bilinear") ? "linear" : mode));
        n.set(Attribute.ofString("coordinate_transformation_mode", "asymmetric"));
        if (mode.equals("nearest")) {
            n.set(Attribute.ofString("nearest_mode", "floor"));
        }
        String x = n.input(0);
        n.inputs().clear();
        n.inputs().add(x);
        n.inputs().add("");
        n.inputs().add(scales);
    }

    private static String constant(Graph g, Node n, String what, Tensor value) {
        String name = g.uniqueName((n.name().isEmpty() ? n.output(0) : n.name()) + "_" + what);
        g.setInitializer(name, value);
        return name;
    }

    private static void setInput(Node n, int index, String value) {
        while (n.inputs().size() <= index) {
            n.inputs().add("");
        }
        n.inputs().set(index, value);
    }

    private static void trimEmptyTail(Node n) {
        while (n.inputs().size() > 1 && n.inputs().get(n.inputs().size() - 1).isEmpty()) {
            n.inputs().remove(n.inputs().size() - 1);
        }
    }
}
