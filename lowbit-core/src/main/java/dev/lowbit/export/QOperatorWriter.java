package dev.lowbit.export;

import dev.lowbit.onnx.Graph;
import dev.lowbit.onnx.Model;
import dev.lowbit.onnx.Node;
import dev.lowbit.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;

/**
 * Rewrites a QDQ model into the QOperator format: each {@code DQ -> Conv [-> Relu|Clip] -> Q}
 * becomes one QLinearConv, each {@code DQ -> MatMul -> Q} one QLinearMatMul and each
 * {@code DQ -> Gemm -> Q} one com.microsoft QGemm (what ONNX Runtime's QDQ optimiser makes of it),
 * reading and writing integer tensors. Patterns that do not match (Add, ops without integer
 * operators) keep their QuantizeLinear/DequantizeLinear pairs, which every runtime also runs.
 */
public final class QOperatorWriter {
    private QOperatorWriter() {
    }

    /** Converts in place; returns the number of nodes turned into QLinear ops. */
    public static int convert(Model qdq) {
        Graph g = qdq.graph();
        int converted = 0;
        for (Node n : new ArrayList<>(g.nodes())) {
            if (!g.nodes().contains(n)) {
                continue;
            }
            if ((n.opType().equals("Conv") && tryConvert(g, n, "QLinearConv"))
                    || (n.opType().equals("MatMul") && tryConvert(g, n, "QLinearMatMul"))
                    || (n.opType().equals("Gemm") && gemmConvertible(n) && tryConvert(g, n, "QGemm"))) {
                converted++;
            }
        }
        if (g.nodes().stream().anyMatch(n -> n.opType().equals("QGemm"))) {
            qdq.opsets().putIfAbsent("com.microsoft", 1L);
        }
        g.removeUnusedInitializers();
        QdqWriter.sortTopologically(g);
        return converted;
    }

    /** ONNX Runtime's QGemm has no beta and no transA; plain Linear layers (alpha = beta = 1) qualify. */
    private static boolean gemmConvertible(Node n) {
        return n.getInt("transA", 0) == 0 && n.getFloat("alpha", 1f) == 1f && n.getFloat("beta", 1f) == 1f;
    }

    private static boolean tryConvert(Graph g, Node op, String qop) {
        Node dqx = dequantizeProducer(g, op.input(0));
        Node dqw = dequantizeProducer(g, op.input(1));
        if (dqx == null || dqw == null) {
            return false;
        }
        Node dqb = null;
        if ((qop.equals("QLinearConv") || qop.equals("QGemm")) && op.hasInput(2)) {
            dqb = dequantizeProducer(g, op.input(2));
            if (dqb == null || g.initializer(dqb.input(0)) == null) {
                return false;
            }
        }
        // Follow an optional Relu/Clip to the QuantizeLinear that ends the pattern.
        String out = op.output(0);
        Node act = null;
        List<Node> cons = g.consumers(out);
        if (cons.size() == 1 && (cons.get(0).opType().equals("Relu") || cons.get(0).opType().equals("Clip"))
                && !g.isGraphOutput(out)) {
            act = cons.get(0);
            cons = g.consumers(act.output(0));
            if (g.isGraphOutput(act.output(0))) {
                return false;
            }
        } else if (g.isGraphOutput(out)) {
            return false;
        }
        if (cons.size() != 1 || !cons.get(0).opType().equals("QuantizeLinear")) {
            return false;
        }
        Node q = cons.get(0);
        if (act != null && !activationImpliedBySaturation(g, act, q)) {
            return false;
        }
        List<String> in = new ArrayList<>(List.of(dqx.input(0), dqx.input(1), dqx.input(2),
                dqw.input(0), dqw.input(1), dqw.input(2)));
        if (qop.equals("QGemm")) {
            in.add(dqb == null ? "" : dqb.input(0)); // QGemm: C sits between B and the output quantization
        }
        in.add(q.input(1));
        in.add(q.input(2));
        if (dqb != null && qop.equals("QLinearConv")) {
            in.add(dqb.input(0));
        }
        String domain = qop.equals("QGemm") ? "com.microsoft" : "";
        Node fused = new Node(qop, domain, op.name().isEmpty() ? q.output(0) + "_" + qop : op.name(), in, List.of(q.output(0)));
        if (qop.equals("QLinearConv")) {
            op.attributes().values().forEach(fused::set);
        } else if (qop.equals("QGemm")) {
            fused.set(dev.lowbit.onnx.Attribute.ofInt("transB", op.getInt("transB", 0)));
        }
        g.insertBefore(op, fused);
        g.removeNode(op);
        g.removeNode(q);
        if (act != null) {
            g.removeNode(act);
        }
        for (Node dq : new Node[] {dqw, dqb, dqx}) {
            if (dq != null && g.consumers(dq.output(0)).isEmpty() && !g.isGraphOutput(dq.output(0))) {
                g.removeNode(dq);
            }
        }
        return true;
    }

    private static Node dequantizeProducer(Graph g, String value) {
        Node p = g.producer(value);
        return p != null && p.opType().equals("DequantizeLinear") && p.inputs().size() >= 3 ? p : null;
    }

    /**
     * A Relu or Clip can be dropped when the output quantizer's representable range already lies
     * inside the activation's range: saturation then does the clamping.
     */
    private static boolean activationImpliedBySaturation(Graph g, Node act, Node q) {
        Tensor scale = g.initializer(q.input(1));
        Tensor zp = g.initializer(q.input(2));
        if (scale == null || zp == null || scale.size() != 1) {
            return false;
        }
        double s = scale.getDouble(0);
        long z = zp.getLong(0);
        long qmin = zp.dtype().minValue();
        long qmax = zp.dtype().maxValue();
        double lo = s * (qmin - z);
        double hi = s * (qmax - z);
        double tol = s * 0.5;
        double min = 0;
        double max = Double.POSITIVE_INFINITY;
        if (act.opType().equals("Clip")) {
            double[] bounds = g.clipBounds(act);
            if (bounds == null) {
                return false;
            }
            min = bounds[0];
            max = bounds[1];
        }
        return lo >= min - tol && hi <= max + tol;
    }
}
