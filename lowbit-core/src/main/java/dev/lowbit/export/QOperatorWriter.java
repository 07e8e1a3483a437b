package dev.lowbit.export;

import dev.lowbit.onnx.Attribute;
import dev.lowbit.onnx.Graph;
import dev.lowbit.onnx.Model;
import dev.lowbit.onnx.Node;
import dev.lowbit.tensor.DType;
import dev.lowbit.tensor.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Rewrites a QDQ model into the QOperator format the way ONNX Runtime's QDQ optimiser rewrites it
 * before running (its selectors and actions, optimizer/qdq_transformer/selectors_actions/): each
 * {@link QdqNodeUnit} that ORT's CPU selectors accept becomes one integer op reading and writing
 * integer tensors, with ORT's type rules:
 *
 * <ul>
 * <li>Conv, MatMul → QLinearConv, QLinearMatMul: activation in = out type; int8 activations only
 *     where ORT allows them (not on x86-64) and then with int8 weights; int32 bias.
 * <li>MatMul with no QuantizeLinear after it → com.microsoft MatMulIntegerToFloat (float output),
 *     with the same input type rules.
 * <li>Gemm → com.microsoft QGemm: if A is int8 so is B; output type = A's; beta 1 with a bias.
 * <li>Add, Mul → QLinearAdd, QLinearMul; AveragePool, GlobalAveragePool, LeakyRelu, Sigmoid →
 *     QLinear*; Concat → QLinearConcat (all com.microsoft): every quantized type equal.
 * <li>Flatten, Reshape, Transpose, Squeeze, Unsqueeze, Gather, GatherElements, Slice, Expand, Tile,
 *     MaxPool (opset 12-21, positive scale, 8-bit), Resize (8-bit) and Split keep their op and
 *     drop the DequantizeLinear/QuantizeLinear pair when both have the same constant scalar scale
 *     and zero point: they move integers unchanged.
 * </ul>
 *
 * Units ORT leaves alone (Softmax, Where, 16-bit types...) keep their QuantizeLinear and
 * DequantizeLinear nodes, which every runtime also runs.
 */
public final class QOperatorWriter {
    private static final String MS = "com.microsoft";
    private static final int[] NONE = {};
    private static final Set<String> DATA_MOVEMENT = Set.of("Flatten", "Reshape", "Transpose", "Squeeze", "Unsqueeze",
            "Gather", "GatherElements", "Slice", "Expand", "Tile", "MaxPool", "Resize");

    private QOperatorWriter() {
    }

    /** Converts in place with every integer op ORT has (a QOperator file); returns the number of units converted. */
    public static int convert(Model qdq) {
        return convert(qdq, true);
    }

    /**
     * Converts in place; returns the number of node units turned into integer ops.
     *
     * @param int8Activations whether Conv and MatMul units with int8 activations convert: ORT's
     *     {@code QDQIsInt8Allowed()}, false on x86-64, where ORT first turns int8 Q/DQ pairs into
     *     uint8 ones where it can and runs the remaining int8 Conv/MatMul units in float
     */
    public static int convert(Model qdq, boolean int8Activations) {
        Graph g = qdq.graph();
        int opset = qdq.opset("");
        ensureUniqueDequantize(g);
        int converted = 0;
        for (Node n : new ArrayList<>(g.nodes())) {
            if (g.nodes().contains(n) && n.domain().isEmpty() && convert(g, n, opset, int8Activations)) {
                converted++;
            }
        }
        mergeDuplicateDequantize(g);
        if (g.nodes().stream().anyMatch(n -> n.domain().equals(MS))) {
            qdq.opsets().putIfAbsent(MS, 1L);
        }
        g.removeUnusedInitializers();
        QdqWriter.sortTopologically(g);
        return converted;
    }

    /**
     * A DequantizeLinear read by several node inputs is duplicated so that each reader has its own:
     * node units own their DequantizeLinear nodes (qdq_transformer/ensure_unique_dq_for_node_unit.cc).
     * The first reader keeps the original unless it is also a graph output.
     */
    public static void ensureUniqueDequantize(Graph g) {
        for (Node dq : new ArrayList<>(g.nodes())) {
            if (!dq.opType().equals("DequantizeLinear") || !dq.domain().isEmpty()) {
                continue;
            }
            String out = dq.output(0);
            boolean keep = !g.isGraphOutput(out);
            for (Node reader : g.consumers(out)) {
                List<String> in = reader.inputs();
                for (int i = 0; i < in.size(); i++) {
                    if (!in.get(i).equals(out)) {
                        continue;
                    }
                    if (keep) {
                        keep = false;
                        continue;
                    }
                    String copyOut = g.uniqueName(out + "/duplicated");
                    Node copy = new Node(dq.opType(), dq.domain(), g.uniqueName(dq.name() + "/duplicated"),
                            new ArrayList<>(dq.inputs()), new ArrayList<>(List.of(copyOut)));
                    dq.attributes().values().forEach(copy::set);
                    g.insertAfter(dq, copy);
                    in.set(i, copyOut);
                }
            }
        }
    }

    /** Undoes {@link #ensureUniqueDequantize} where no unit took the copies: identical DequantizeLinear nodes become one. */
    private static void mergeDuplicateDequantize(Graph g) {
        Map<String, Node> first = new HashMap<>();
        for (Node dq : new ArrayList<>(g.nodes())) {
            if (!dq.opType().equals("DequantizeLinear") || !dq.domain().isEmpty() || g.isGraphOutput(dq.output(0))) {
                continue;
            }
            String key = dq.inputs() + " " + dq.getInt("axis", 1) + " " + dq.getInt("block_size", 0);
            Node kept = first.putIfAbsent(key, dq);
            if (kept != null && dq.attributes().keySet().stream().allMatch(a -> a.equals("axis") || a.equals("block_size"))) {
                g.rewire(dq.output(0), kept.output(0));
                g.removeNode(dq);
            }
        }
    }

    private static boolean convert(Graph g, Node n, int opset, boolean int8Activations) {
        String op = n.opType();
        return switch (op) {
            case "Conv" -> weighted(g, n, int8Activations);
            case "MatMul" -> weighted(g, n, int8Activations) || matMulToFloat(g, n, int8Activations);
            case "Gemm" -> gemm(g, n);
            case "Add", "Mul" -> binary(g, n);
            case "AveragePool", "GlobalAveragePool", "LeakyRelu", "Sigmoid" -> unary(g, n);
            case "Concat" -> concat(g, n);
            case "Split" -> split(g, n);
            default -> DATA_MOVEMENT.contains(op) && dataMovement(g, n, opset);
        };
    }

    /** ConvNodeGroupSelector / MatMulNodeGroupSelector with a QuantizeLinear: QLinearConv / QLinearMatMul. */
    private static boolean weighted(Graph g, Node op, boolean int8Activations) {
        boolean conv = op.opType().equals("Conv");
        QdqNodeUnit u = QdqNodeUnit.find(g, op, new int[] {0, 1}, conv ? new int[] {2} : NONE, true);
        if (u == null) {
            return false;
        }
        DType in = u.inputType(g, 0);
        DType w = u.inputType(g, 1);
        Node bias = conv && u.dq().length > 2 ? u.dq()[2] : null;
        if (!is8Bit(in) || !is8Bit(w) || in != u.outputType(g)
                || (in == DType.INT8 && (!int8Activations || w != DType.INT8))
                || (bias != null && u.inputType(g, 2) != DType.INT32)) {
            return false;
        }
        List<String> inputs = new ArrayList<>(List.of(u.dq()[0].input(0), u.dq()[0].input(1), optional(u.dq()[0], 2),
                u.dq()[1].input(0), u.dq()[1].input(1), optional(u.dq()[1], 2), u.q().input(1), optional(u.q(), 2)));
        if (bias != null) {
            inputs.add(bias.input(0));
        }
        replace(g, u, conv ? "QLinearConv" : "QLinearMatMul", "", inputs, conv ? op.attributes().values() : List.of());
        return true;
    }

    /**
     * MatMulNodeGroupSelector without a QuantizeLinear: com.microsoft MatMulIntegerToFloat (A, B,
     * a_scale, b_scale, a_zp, b_zp), the integer product scaled to float
     * (MatMulReplaceWithQLinear's MatMulIntToFloatReplacer). ORT's type rules are QLinearMatMul's
     * (an int8 A only where int8 is allowed, and then with an int8 B); its selector checks no
     * parameter shapes, lowbit converts only the ones its kernel reproduces: per-tensor A, and a B
     * per-tensor or, for a 2-D B, per column.
     */
    private static boolean matMulToFloat(Graph g, Node op, boolean int8Activations) {
        QdqNodeUnit u = QdqNodeUnit.find(g, op, new int[] {0, 1}, NONE, false);
        if (u == null || u.q() != null) {
            return false;
        }
        Node a = u.dq()[0];
        Node b = u.dq()[1];
        DType in = u.inputType(g, 0);
        DType w = u.inputType(g, 1);
        if (!is8Bit(in) || !is8Bit(w) || (in == DType.INT8 && (!int8Activations || w != DType.INT8))
                || !perTensor(g, a) || !perTensorOrColumn(g, b)) {
            return false;
        }
        Node fused = new Node("MatMulIntegerToFloat", MS, op.name().isEmpty() ? op.output(0) + "_MatMulIntegerToFloat" : op.name(),
                new ArrayList<>(List.of(a.input(0), b.input(0), a.input(1), b.input(1), optional(a, 2), optional(b, 2))),
                new ArrayList<>(List.of(op.output(0))));
        g.insertBefore(op, fused);
        g.removeNode(op);
        g.removeNode(a);
        g.removeNode(b);
        return true;
    }

    /** A DequantizeLinear with one float scale and at most one zero point, no blocks. */
    private static boolean perTensor(Graph g, Node dq) {
        Tensor scale = g.constant(dq.input(1));
        Tensor zp = dq.hasInput(2) ? g.constant(dq.input(2)) : null;
        return scale != null && scale.dtype() == DType.FLOAT && scale.size() == 1 && (!dq.hasInput(2) || (zp != null && zp.size() == 1))
                && dq.getInt("block_size", 0) == 0;
    }

    /** {@link #perTensor}, or a 2-D constant quantized along its last axis (one scale per column). */
    private static boolean perTensorOrColumn(Graph g, Node dq) {
        if (perTensor(g, dq)) {
            return true;
        }
        Tensor x = g.constant(dq.input(0));
        Tensor scale = g.constant(dq.input(1));
        Tensor zp = dq.hasInput(2) ? g.constant(dq.input(2)) : null;
        long axis = dq.getInt("axis", 1);
        return x != null && x.rank() == 2 && (axis == 1 || axis == -1) && dq.getInt("block_size", 0) == 0 && scale != null
                && scale.dtype() == DType.FLOAT && scale.rank() == 1 && scale.size() == x.dim(1)
                && (!dq.hasInput(2) || (zp != null && zp.rank() == 1 && zp.size() == x.dim(1)));
    }

    /**
     * GemmNodeGroupSelector: com.microsoft QGemm (inputs A, A_scale, A_zp, B, B_scale, B_zp, C,
     * y_scale, y_zp). lowbit's QGemm takes transA = 0 and alpha = 1, and a quantized output.
     */
    private static boolean gemm(Graph g, Node op) {
        if (op.getInt("transA", 0) != 0 || op.getFloat("alpha", 1f) != 1f) {
            return false;
        }
        QdqNodeUnit u = QdqNodeUnit.find(g, op, new int[] {0, 1}, new int[] {2}, true);
        if (u == null) {
            return false;
        }
        DType a = u.inputType(g, 0);
        Node bias = u.dq().length > 2 ? u.dq()[2] : null;
        if (!is8Bit(a) || !is8Bit(u.inputType(g, 1)) || (a == DType.INT8 && u.inputType(g, 1) != DType.INT8)
                || a != u.outputType(g) || (bias != null && (op.getFloat("beta", 1f) != 1f || u.inputType(g, 2) != DType.INT32))) {
            return false;
        }
        List<String> in = List.of(u.dq()[0].input(0), u.dq()[0].input(1), optional(u.dq()[0], 2),
                u.dq()[1].input(0), u.dq()[1].input(1), optional(u.dq()[1], 2), bias == null ? "" : bias.input(0),
                u.q().input(1), optional(u.q(), 2));
        replace(g, u, "QGemm", MS, in, List.of(Attribute.ofInt("transB", op.getInt("transB", 0))));
        return true;
    }

    /** BinaryNodeGroupSelector: QLinearAdd / QLinearMul (A, A_scale, A_zp, B, B_scale, B_zp, C_scale, C_zp). */
    private static boolean binary(Graph g, Node op) {
        QdqNodeUnit u = QdqNodeUnit.find(g, op, new int[] {0, 1}, NONE, true);
        if (u == null || !sameType8(g, u)) {
            return false;
        }
        Node a = u.dq()[0];
        Node b = u.dq()[1];
        List<String> in = List.of(a.input(0), a.input(1), optional(a, 2), b.input(0), b.input(1), optional(b, 2),
                u.q().input(1), optional(u.q(), 2));
        replace(g, u, "QLinear" + op.opType(), MS, in, List.of());
        return true;
    }

    /** UnaryNodeGroupSelector: QLinear{AveragePool,GlobalAveragePool,LeakyRelu,Sigmoid} (X, X_scale, X_zp, Y_scale, Y_zp). */
    private static boolean unary(Graph g, Node op) {
        QdqNodeUnit u = QdqNodeUnit.find(g, op, new int[] {0}, NONE, true);
        if (u == null || u.dequantizers().size() != 1 || !sameType8(g, u)) {
            return false;
        }
        Node x = u.dq()[0];
        List<String> in = List.of(x.input(0), x.input(1), optional(x, 2), u.q().input(1), optional(u.q(), 2));
        replace(g, u, "QLinear" + op.opType(), MS, in, op.attributes().values());
        return true;
    }

    /** VariadicNodeGroupSelector: QLinearConcat (Y_scale, Y_zp, then X, X_scale, X_zp per input). */
    private static boolean concat(Graph g, Node op) {
        int[] all = new int[op.inputs().size()];
        Arrays.setAll(all, i -> i);
        QdqNodeUnit u = QdqNodeUnit.find(g, op, all, NONE, true);
        if (u == null || !sameType8(g, u)) {
            return false;
        }
        List<String> in = new ArrayList<>(List.of(u.q().input(1), optional(u.q(), 2)));
        for (Node x : u.dq()) {
            in.addAll(List.of(x.input(0), x.input(1), optional(x, 2)));
        }
        replace(g, u, "QLinearConcat", MS, in, op.attributes().values());
        return true;
    }

    /** DropQDQNodeGroupSelector: the op runs on the integers (DQ and Q of equal parameters removed). */
    private static boolean dataMovement(Graph g, Node op, int opset) {
        QdqNodeUnit u = QdqNodeUnit.find(g, op, new int[] {0}, NONE, true);
        if (u == null || u.activation() != null || u.dequantizers().size() != 1 || !sameParameters(g, u.dq()[0], u.q())) {
            return false;
        }
        DType t = u.inputType(g, 0);
        if (op.opType().equals("MaxPool") || op.opType().equals("Resize")) {
            // int16 MaxPool is not ONNX; ORT lacks int16 Resize. MaxPool is matched at its opset 12 version
            // only, and a negative scale would reverse the order of the integers.
            boolean maxPool = op.opType().equals("MaxPool");
            if (!is8Bit(t) || (maxPool && (opset < 12 || opset >= 22 || !(g.constant(u.q().input(1)).getDouble(0) > 0)))) {
                return false;
            }
        }
        op.inputs().set(0, u.dq()[0].input(0));
        op.outputs().set(0, u.q().output(0));
        g.removeNode(u.dq()[0]);
        g.removeNode(u.q());
        return true;
    }

    /** SplitSelector with equal parameters: Split on the integers, each output's QuantizeLinear removed. */
    private static boolean split(Graph g, Node op) {
        Node dq = g.producer(op.input(0));
        if (dq == null || !dq.opType().equals("DequantizeLinear") || g.readCount(dq.output(0)) != 1
                || g.isGraphOutput(dq.output(0))) {
            return false;
        }
        List<Node> qs = new ArrayList<>();
        for (String out : op.outputs()) {
            List<Node> readers = g.consumers(out);
            if (out.isEmpty() || g.isGraphOutput(out) || g.readCount(out) != 1 || !QdqNodeUnit.isQuantize(readers.get(0))
                    || !sameParameters(g, dq, readers.get(0))) {
                return false;
            }
            qs.add(readers.get(0));
        }
        op.inputs().set(0, dq.input(0));
        for (int i = 0; i < qs.size(); i++) {
            op.outputs().set(i, qs.get(i).output(0));
            g.removeNode(qs.get(i));
        }
        g.removeNode(dq);
        return true;
    }

    /** Replaces the unit by one node computing the QuantizeLinear's output. */
    private static void replace(Graph g, QdqNodeUnit u, String opType, String domain, List<String> inputs,
            Collection<Attribute> attributes) {
        Node target = u.target();
        Node fused = new Node(opType, domain, target.name().isEmpty() ? u.q().output(0) + "_" + opType : target.name(),
                new ArrayList<>(inputs), List.of(u.q().output(0)));
        attributes.forEach(fused::set);
        g.insertBefore(target, fused);
        g.removeNode(target);
        g.removeNode(u.q());
        if (u.activation() != null) {
            g.removeNode(u.activation());
        }
        u.dequantizers().forEach(g::removeNode);
    }

    /** Every input, and the output, of the same 8-bit type. */
    private static boolean sameType8(Graph g, QdqNodeUnit u) {
        DType out = u.outputType(g);
        if (!is8Bit(out)) {
            return false;
        }
        for (int i = 0; i < u.dq().length; i++) {
            if (u.dq()[i] != null && u.inputType(g, i) != out) {
                return false;
            }
        }
        return true;
    }

    /**
     * {@code IsQDQPairSupported} (qdq_util.cc): both nodes with scale and zero point, constant
     * scalars, the zero points of one type and value, the scales equal.
     */
    public static boolean sameParameters(Graph g, Node dq, Node q) {
        if (dq.inputs().size() != 3 || q.inputs().size() != 3) {
            return false;
        }
        Tensor ds = scalar(g, dq.input(1));
        Tensor qs = scalar(g, q.input(1));
        Tensor dz = scalar(g, dq.input(2));
        Tensor qz = scalar(g, q.input(2));
        return ds != null && qs != null && dz != null && qz != null && dz.dtype() == qz.dtype() && dz.getLong(0) == qz.getLong(0)
                && ds.dtype() == DType.FLOAT && qs.dtype() == DType.FLOAT && ds.floats()[0] == qs.floats()[0];
    }

    private static Tensor scalar(Graph g, String value) {
        Tensor t = g.constant(value);
        return t != null && t.size() == 1 && t.shapeRef().length <= 1 ? t : null;
    }

    private static boolean is8Bit(DType t) {
        return t == DType.UINT8 || t == DType.INT8;
    }

    private static String optional(Node n, int i) {
        return n.hasInput(i) ? n.input(i) : "";
    }
}
