package dev.lowbit.engine;

import static dev.lowbit.engine.FusionMatch.floatVector;
import static dev.lowbit.engine.FusionMatch.near;
import static dev.lowbit.engine.FusionMatch.otherInput;
import static dev.lowbit.engine.FusionMatch.scalar;
import static dev.lowbit.engine.FusionMatch.soleReader;

import dev.lowbit.onnx.Attribute;
import dev.lowbit.onnx.Graph;
import dev.lowbit.onnx.Node;
import dev.lowbit.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;

/**
 * Fuses the decomposed LayerNorm and GELU that PyTorch exports before opset 17 write (9 and 5
 * elementwise nodes, each a pass over memory) into LayerNormalization and Gelu, one pass each, as
 * ONNX Runtime's LayerNormFusion and GeluFusion do. An execution-only rewrite; only chains whose
 * intermediates nothing else reads are fused, so the graph's results keep their meaning.
 */
final class NormActivationFusion {
    private static final double SQRT2 = Math.sqrt(2);

    private NormActivationFusion() {
    }

    static int apply(Graph g) {
        int fused = 0;
        for (Node n : List.copyOf(g.nodes())) {
            if (!g.nodes().contains(n) || !n.domain().isEmpty()) {
                continue;
            }
            if (n.opType().equals("ReduceMean") && layerNorm(g, n)) {
                fused++;
            } else if (n.opType().equals("Erf") && gelu(g, n)) {
                fused++;
            }
        }
        return fused;
    }

    /**
     * mean = ReduceMean(x); d = x - mean; var = ReduceMean(d^2); y = d / Sqrt(var + eps) * gamma (+ beta),
     * all means over the last axis.
     */
    private static boolean layerNorm(Graph g, Node mean) {
        String x = mean.input(0);
        if (!lastAxisMean(g, mean)) {
            return false;
        }
        Node sub = soleReader(g, mean.output(0), "Sub");
        if (sub == null || !sub.input(0).equals(x) || !sub.input(1).equals(mean.output(0))) {
            return false;
        }
        String d = sub.output(0);
        List<Node> dReaders = g.consumers(d);
        if (dReaders.size() != 2 || g.isGraphOutput(d)) {
            return false;
        }
        Node pow = dReaders.stream().filter(r -> r.opType().equals("Pow")).findFirst().orElse(null);
        Node div = dReaders.stream().filter(r -> r.opType().equals("Div")).findFirst().orElse(null);
        if (pow == null || div == null || !pow.input(0).equals(d) || scalar(g, pow.input(1)) != 2.0
                || !div.input(0).equals(d)) {
            return false;
        }
        Node var = soleReader(g, pow.output(0), "ReduceMean");
        if (var == null || !lastAxisMean(g, var)) {
            return false;
        }
        Node addEps = soleReader(g, var.output(0), "Add");
        double eps = addEps == null ? Double.NaN : scalar(g, otherInput(addEps, var.output(0)));
        Node sqrt = addEps == null || Double.isNaN(eps) ? null : soleReader(g, addEps.output(0), "Sqrt");
        if (sqrt == null || !div.input(1).equals(sqrt.output(0)) || g.consumers(sqrt.output(0)).size() != 1) {
            return false;
        }
        Node mul = soleReader(g, div.output(0), "Mul");
        String gamma = mul == null ? null : otherInput(mul, div.output(0));
        if (gamma == null || floatVector(g, gamma) == null) {
            return false;
        }
        Node add = soleReader(g, mul.output(0), "Add");
        String beta = add == null ? null : otherInput(add, mul.output(0));
        if (beta != null && floatVector(g, beta) == null) {
            add = null;
            beta = null;
        }
        Node last = add != null ? add : mul;
        List<String> inputs = new ArrayList<>(List.of(x, gamma));
        if (beta != null) {
            inputs.add(beta);
        }
        Node ln = new Node("LayerNormalization", last.name(), inputs, new ArrayList<>(List.of(last.output(0))));
        ln.set(Attribute.ofInt("axis", -1)).set(Attribute.ofFloat("epsilon", (float) eps));
        replace(g, last, ln, mean, sub, pow, var, addEps, sqrt, div, mul, add);
        return true;
    }

    /** ReduceMean over the last axis only, keeping it (the statistics broadcast back over rows). */
    private static boolean lastAxisMean(Graph g, Node n) {
        if (n.getInt("keepdims", 1) != 1 || n.outputs().size() != 1) {
            return false;
        }
        long[] axes = n.getInts("axes", null);
        if (axes == null && n.inputs().size() > 1) {
            Tensor t = g.constant(n.input(1));
            axes = t == null || t.size() != 1 ? null : new long[] {(long) t.getDouble(0)};
        }
        return axes != null && axes.length == 1 && axes[0] == -1;
    }

    /** 0.5 * x * (1 + Erf(x / sqrt 2)), the half applied to x first or to the product last. */
    private static boolean gelu(Graph g, Node erf) {
        Node scaleIn = g.producer(erf.input(0));
        if (scaleIn == null || g.consumers(erf.input(0)).size() != 1 || g.isGraphOutput(erf.input(0))
                || scaleIn.inputs().size() != 2) {
            return false;
        }
        String x = scaleIn.input(0);
        double c = scalar(g, scaleIn.input(1));
        boolean divides = scaleIn.opType().equals("Div") && near(c, SQRT2);
        boolean multiplies = scaleIn.opType().equals("Mul") && near(c, 1 / SQRT2);
        if (!divides && !multiplies) {
            return false;
        }
        Node plusOne = soleReader(g, erf.output(0), "Add");
        if (plusOne == null || scalar(g, otherInput(plusOne, erf.output(0))) != 1.0) {
            return false;
        }
        Node prod = soleReader(g, plusOne.output(0), "Mul");
        String other = prod == null ? null : otherInput(prod, plusOne.output(0));
        if (other == null) {
            return false;
        }
        if (other.equals(x)) {
            Node half = soleReader(g, prod.output(0), "Mul");
            if (half == null || scalar(g, otherInput(half, prod.output(0))) != 0.5) {
                return false;
            }
            replace(g, half, geluNode(x, half), scaleIn, erf, plusOne, prod, half);
            return true;
        }
        Node half = g.producer(other);
        if (half == null || !half.opType().equals("Mul") || g.consumers(other).size() != 1 || g.isGraphOutput(other)
                || otherInput(half, x) == null || scalar(g, otherInput(half, x)) != 0.5) {
            return false;
        }
        replace(g, prod, geluNode(x, prod), scaleIn, erf, plusOne, half, prod);
        return true;
    }

    private static Node geluNode(String x, Node last) {
        return new Node("Gelu", last.name(), new ArrayList<>(List.of(x)), new ArrayList<>(List.of(last.output(0))));
    }

    /** Puts {@code fused} where {@code last} was and removes the chain it replaces (null entries skipped). */
    private static void replace(Graph g, Node last, Node fused, Node... chain) {
        g.insertBefore(last, fused);
        for (Node n : chain) {
            if (n != null) {
                g.removeNode(n);
            }
        }
    }
}
