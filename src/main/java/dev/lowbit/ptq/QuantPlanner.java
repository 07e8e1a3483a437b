package dev.lowbit.ptq;

import dev.lowbit.onnx.Graph;
import dev.lowbit.onnx.Node;
import dev.lowbit.tensor.Tensor;
import java.util.List;
import java.util.Set;

/**
 * Decides where quantizers go, per op type, the way integer runtimes fuse QDQ patterns
 * (ONNX Runtime's QDQ optimizer, TensorRT): a weighted op (Conv, Gemm, MatMul) quantizes its
 * activation input, its weight (per channel) and its bias (int32); its output is quantized after
 * a following Relu/Clip rather than between them; Add and Concat quantize all inputs and the
 * output; pooling and reshaping ops reuse their input's parameters; everything else stays float.
 */
public final class QuantPlanner {
    private static final Set<String> SHARED_PARAM_OPS = Set.of(
            "MaxPool", "Reshape", "Flatten", "Transpose", "Squeeze", "Unsqueeze", "Resize", "Slice", "Gather",
            "Split", "Identity");
    private static final Set<String> OWN_PARAM_OPS = Set.of("AveragePool", "GlobalAveragePool", "Concat", "Add");

    private final Graph graph;
    private final Set<String> excluded;
    private final QuantPlan plan = new QuantPlan();

    private QuantPlanner(Graph graph, Set<String> excludedNodes) {
        this.graph = graph;
        this.excluded = excludedNodes;
    }

    /** Plans {@code graph} (BN already folded); nodes named in {@code excludedNodes} stay float. */
    public static QuantPlan plan(Graph graph, Set<String> excludedNodes) {
        QuantPlanner p = new QuantPlanner(graph, excludedNodes);
        for (Node n : graph.topologicalOrder()) {
            p.visit(n);
        }
        return p.plan;
    }

    private void visit(Node n) {
        String name = n.name().isEmpty() ? n.output(0) : n.name();
        if (excluded.contains(name)) {
            plan.floatNodes().put(name, n.opType() + ": excluded (kept float)");
            return;
        }
        String op = n.opType();
        boolean done = switch (op) {
            case "Conv" -> weighted(n, 0);
            case "Gemm" -> n.getInt("transA", 0) == 0 && weighted(n, n.getInt("transB", 0) == 1 ? 0 : 1);
            case "MatMul" -> matMul(n);
            case "Relu", "Clip" -> activationOp(n);
            default -> {
                if (OWN_PARAM_OPS.contains(op)) {
                    yield allInputsAndOutput(n);
                }
                if (SHARED_PARAM_OPS.contains(op)) {
                    yield sharedParams(n);
                }
                yield false;
            }
        };
        if (done) {
            plan.quantizedNodes().add(name);
        } else {
            plan.floatNodes().put(name, op + (isQuantizableType(op) ? ": pattern not quantizable here" : ": no integer kernel, stays float"));
        }
    }

    static boolean isQuantizableType(String op) {
        return op.equals("Conv") || op.equals("Gemm") || op.equals("MatMul") || op.equals("Relu") || op.equals("Clip")
                || SHARED_PARAM_OPS.contains(op) || OWN_PARAM_OPS.contains(op);
    }

    private boolean isConstant(String value) {
        return graph.initializer(value) != null;
    }

    private boolean isFloatActivation(String value) {
        return !value.isEmpty() && !isConstant(value);
    }

    private boolean weighted(Node n, int weightAxis) {
        if (!isFloatActivation(n.input(0)) || !isConstant(n.input(1))) {
            return false;
        }
        Tensor w = graph.initializer(n.input(1));
        if (w.dtype() != dev.lowbit.tensor.DType.FLOAT || (n.opType().equals("Gemm") && w.rank() != 2)) {
            return false;
        }
        plan.activations().add(n.input(0));
        plan.weights().add(new QuantPlan.Weight(nodeName(n), 1, n.input(1), weightAxis));
        if (n.hasInput(2)) {
            Tensor b = graph.initializer(n.input(2));
            int channels = w.dim(weightAxis);
            if (b == null || b.size() != channels || (n.opType().equals("Gemm") && b.rank() != 1)) {
                // A broadcast or computed bias cannot share the input×weight scale: stays float.
                if (b == null) {
                    return false;
                }
            } else {
                plan.biases().add(new QuantPlan.Bias(nodeName(n), 2, n.input(2), n.input(0), n.input(1)));
            }
        }
        quantizeOutputAfterActivation(n);
        return true;
    }

    private boolean matMul(Node n) {
        if (!isFloatActivation(n.input(0))) {
            return false;
        }
        Tensor w = graph.initializer(n.input(1));
        if (w != null) {
            if (w.dtype() != dev.lowbit.tensor.DType.FLOAT || w.rank() != 2) {
                return false;
            }
            plan.activations().add(n.input(0));
            plan.weights().add(new QuantPlan.Weight(nodeName(n), 1, n.input(1), 1));
        } else {
            plan.activations().add(n.input(0));
            plan.activations().add(n.input(1));
        }
        quantizeOutputAfterActivation(n);
        return true;
    }

    /** Quantizes a weighted op's output, or the output of the Relu/Clip that alone consumes it. */
    private void quantizeOutputAfterActivation(Node n) {
        String out = n.output(0);
        List<Node> consumers = graph.consumers(out);
        if (consumers.size() == 1 && !graph.isGraphOutput(out)) {
            Node c = consumers.get(0);
            String cName = nodeName(c);
            if ((c.opType().equals("Relu") || c.opType().equals("Clip")) && !excluded.contains(cName) && clipIsConstant(c)) {
                plan.activations().add(c.output(0));
                return;
            }
        }
        plan.activations().add(out);
    }

    private boolean clipIsConstant(Node c) {
        return !c.opType().equals("Clip") || graph.clipBounds(c) != null;
    }

    /** A Relu/Clip not fused into a preceding weighted op. */
    private boolean activationOp(Node n) {
        if (plan.activations().contains(n.output(0))) {
            return true; // already fused with its producer
        }
        if (!isFloatActivation(n.input(0)) || !clipIsConstant(n)) {
            return false;
        }
        plan.activations().add(n.input(0));
        plan.activations().add(n.output(0));
        return true;
    }

    private boolean allInputsAndOutput(Node n) {
        for (String in : n.inputs()) {
            if (!isFloatActivation(in)) {
                return false;
            }
        }
        for (String in : n.inputs()) {
            plan.activations().add(in);
        }
        // The output is quantized right after the Add even when a Relu follows: ONNX Runtime then runs
        // QLinearAdd and a separate quantized Relu, and lowbit's engine computes bit-identical results
        // (fusing the Relu into the Add's quantizer made 2 of 10,000 test images disagree at top-1).
        plan.activations().add(n.output(0));
        return true;
    }

    private boolean sharedParams(Node n) {
        String in = n.input(0);
        if (!plan.activations().contains(in) || n.outputs().isEmpty()) {
            return false; // only propagate through data movement that follows a quantized tensor
        }
        for (String out : n.outputs()) {
            if (!out.isEmpty() && (!n.opType().equals("MaxPool") || out.equals(n.output(0)))) {
                plan.activations().add(out);
                plan.sharedParams().put(out, in);
            }
        }
        return true;
    }

    private static String nodeName(Node n) {
        return n.name().isEmpty() ? n.output(0) : n.name();
    }
}
