package dev.lowbit.export;

import dev.lowbit.onnx.Attribute;
import dev.lowbit.onnx.Graph;
import dev.lowbit.onnx.Model;
import dev.lowbit.onnx.Node;
import dev.lowbit.quant.QuantPlan;
import dev.lowbit.tensor.DType;
import dev.lowbit.tensor.Tensor;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes a dynamically quantized model, as ONNX Runtime's {@code quantize_dynamic} does, with
 * only ops its CPU provider runs: each MatMul (or Gemm) with a constant weight becomes
 * DynamicQuantizeLinear of its input (range measured at run time, one per input tensor) →
 * MatMulInteger with the int8 weight → Cast → Mul by input scale × weight scale (per output column
 * when the weight is per channel) [→ Add bias]; an embedding Gather reads int8 rows and multiplies
 * them by their row's scale (Gather → Cast → Mul, never the whole table dequantized). Conv layers,
 * products of two activations and everything else stay float.
 */
public final class DynamicWriter {
    /** Opset of DynamicQuantizeLinear. */
    public static final int MIN_OPSET = 11;

    private DynamicWriter() {
    }

    /** A copy of {@code floatModel} with the plan's MatMul/Gemm and Gather weights quantized by {@code wq}. */
    public static Model write(Model floatModel, QuantPlan plan, QdqWriter.WeightQuantizer wq) {
        Model m = floatModel.copy();
        Graph g = m.graph();
        Map<String, String[]> dynamicInputs = new HashMap<>();
        for (QuantPlan.Weight w : plan.weights()) {
            Node n = g.node(w.node());
            if (n == null) {
                continue;
            }
            switch (n.opType()) {
                case "MatMul", "Gemm" -> product(g, n, w, wq, dynamicInputs);
                case "Gather" -> gather(g, n, w, wq);
                default -> {
                }
            }
        }
        g.removeUnusedInitializers();
        g.valueInfos().clear();
        QdqWriter.sortTopologically(g);
        m.opsets().put("", (long) Math.max(m.opset(), MIN_OPSET));
        m.setProducer("lowbit", "0.1.0");
        return m;
    }

    /** True when the writer turns node {@code n} (a planned weight's reader) into integer ops. */
    public static boolean handles(Node n) {
        return switch (n.opType()) {
            case "MatMul" -> true;
            case "Gemm" -> n.getInt("transA", 0) == 0 && n.getFloat("alpha", 1f) == 1f && n.getFloat("beta", 1f) == 1f;
            case "Gather" -> n.getInt("axis", 0) == 0;
            default -> false;
        };
    }

    private static void product(Graph g, Node n, QuantPlan.Weight w, QdqWriter.WeightQuantizer wq,
                                Map<String, String[]> dynamicInputs) {
        if (!handles(n)) {
            return;
        }
        Tensor weight = g.initializer(w.initializer());
        boolean transposed = n.opType().equals("Gemm") && n.getInt("transB", 0) == 1;
        Tensor kn = transposed ? transpose(weight) : weight; // MatMulInteger multiplies by [K, N]
        QdqWriter.QuantizedWeight q = wq.quantize(w.initializer(), kn, 1);
        String base = n.name().isEmpty() ? n.output(0) : n.name();
        String wName = g.uniqueName(w.initializer() + "_quantized");
        g.setInitializer(wName, q.values());
        String wScale = g.uniqueName(w.initializer() + "_scale");
        g.setInitializer(wScale, QdqWriter.scaleTensor(q.params()));

        String x = n.input(0);
        String[] dq = dynamicInputs.get(x);
        if (dq == null) {
            dq = new String[] {g.uniqueName(x + "_quantized"), g.uniqueName(x + "_scale"), g.uniqueName(x + "_zero_point")};
            g.insertBefore(n, new Node("DynamicQuantizeLinear", g.uniqueName(x + "_DynamicQuantizeLinear"), List.of(x),
                    List.of(dq[0], dq[1], dq[2])));
            dynamicInputs.put(x, dq);
        }
        String acc = g.uniqueName(base + "_int32");
        String accF = g.uniqueName(base + "_int32_float");
        String scale = g.uniqueName(base + "_output_scale");
        String product = n.opType().equals("Gemm") && n.hasInput(2) ? g.uniqueName(base + "_no_bias") : n.output(0);
        List<Node> nodes = List.of(
                new Node("MatMulInteger", g.uniqueName(base + "_MatMulInteger"), List.of(dq[0], wName, dq[2]), List.of(acc)),
                new Node("Cast", g.uniqueName(base + "_Cast"), List.of(acc), List.of(accF))
                        .set(Attribute.ofInt("to", DType.FLOAT.onnxCode())),
                new Node("Mul", g.uniqueName(base + "_scale_Mul"), List.of(dq[1], wScale), List.of(scale)),
                new Node("Mul", g.uniqueName(base + "_Mul"), List.of(accF, scale), List.of(product)));
        for (Node k : nodes) {
            g.insertBefore(n, k);
        }
        if (product.equals(n.output(0))) {
            g.removeNode(n);
        } else { // the Gemm node becomes its bias Add, in float
            String bias = n.input(2);
            n.setOpType("Add");
            n.attributes().clear();
            n.inputs().clear();
            n.inputs().add(product);
            n.inputs().add(bias);
        }
    }

    private static void gather(Graph g, Node n, QuantPlan.Weight w, QdqWriter.WeightQuantizer wq) {
        Tensor table = g.initializer(w.initializer());
        if (!handles(n) || table.rank() != 2) {
            return;
        }
        QdqWriter.QuantizedWeight q = wq.quantize(w.initializer(), table, 0);
        String base = n.name().isEmpty() ? n.output(0) : n.name();
        float[] s = q.params().scales();
        int rows = table.dim(0);
        float[] perRow = new float[rows];
        for (int i = 0; i < rows; i++) {
            perRow[i] = s[s.length == 1 ? 0 : i];
        }
        HalfScaleRows half = HalfScaleRows.of(table, perRow, q.params());
        String tName = g.uniqueName(w.initializer() + "_quantized");
        g.setInitializer(tName, half == null ? q.values() : half.values());
        String sName = g.uniqueName(w.initializer() + "_row_scale");
        g.setInitializer(sName, half == null ? Tensor.of(perRow, rows, 1) : half.scales());
        String ids = n.input(1);
        String rowsQ = g.uniqueName(base + "_rows_int8");
        String rowsF = g.uniqueName(base + "_rows_float");
        String rowScale = g.uniqueName(base + "_rows_scale");
        String out = n.output(0);
        n.inputs().set(0, tName);
        n.outputs().set(0, rowsQ);
        String gathered = half == null ? rowScale : g.uniqueName(base + "_rows_scale_half");
        Node scaleGather = new Node("Gather", g.uniqueName(base + "_scale_Gather"), List.of(sName, ids), List.of(gathered));
        Node cast = new Node("Cast", g.uniqueName(base + "_Cast"), List.of(rowsQ), List.of(rowsF))
                .set(Attribute.ofInt("to", DType.FLOAT.onnxCode()));
        Node mul = new Node("Mul", g.uniqueName(base + "_Mul"), List.of(rowsF, rowScale), List.of(out));
        g.insertAfter(n, mul);
        g.insertAfter(n, cast);
        if (half != null) {
            g.insertAfter(n, new Node("Cast", g.uniqueName(base + "_scale_Cast"), List.of(gathered), List.of(rowScale))
                    .set(Attribute.ofInt("to", DType.FLOAT.onnxCode())));
        }
        g.insertAfter(n, scaleGather);
    }

    private static Tensor transpose(Tensor w) {
        int r = w.dim(0);
        int c = w.dim(1);
        float[] src = w.floats();
        float[] t = new float[r * c];
        for (int i = 0; i < r; i++) {
            for (int j = 0; j < c; j++) {
                t[j * r + i] = src[i * c + j];
            }
        }
        return Tensor.of(t, c, r);
    }
}
