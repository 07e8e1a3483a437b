package dev.lowbit.passes;

import dev.lowbit.exec.Op;
import dev.lowbit.exec.OpContext;
import dev.lowbit.exec.OpRegistry;
import dev.lowbit.onnx.Graph;
import dev.lowbit.onnx.Model;
import dev.lowbit.onnx.Node;
import dev.lowbit.tensor.Tensor;
import java.util.List;
import java.util.Set;

/**
 * Replaces nodes whose inputs are all constants by initializers holding their outputs, computed
 * with lowbit's own ops: Constant nodes, {@code Identity(bias)} shared by an exporter,
 * {@code Transpose(W)} in front of a MatMul. Afterwards weights that were computed in the graph
 * are plain initializers that quantization can see. Random ops, DequantizeLinear and graph
 * outputs are left alone.
 */
public final class ConstantFolding {
    /**
     * Ops never folded: random ones, control flow, and DequantizeLinear — a DQ of a constant int8
     * weight is the half of a QDQ pattern that integer execution fuses (QdqFusion, as ONNX Runtime
     * keeps DQ out of its constant folding for the same reason); folding it made every quantized
     * Conv run in float on dequantized weights.
     */
    private static final Set<String> NEVER = Set.of("RandomNormal", "RandomUniform", "RandomNormalLike",
            "RandomUniformLike", "Bernoulli", "Multinomial", "Dropout", "If", "Loop", "Scan", "DequantizeLinear");

    private ConstantFolding() {
    }

    /** Folds in place, repeatedly (a fold can make the next node constant); returns nodes folded. */
    public static int apply(Model m) {
        return apply(m, Set.of());
    }

    /**
     * Folds in place, leaving nodes of the op types {@code keep} (e.g. DequantizeLinear, which ONNX
     * Runtime does not fold in QDQ models so that quantized weights reach its integer ops).
     */
    public static int apply(Model m, Set<String> keep) {
        Graph g = m.graph();
        int folded = 0;
        for (Node n : List.copyOf(g.topologicalOrder())) {
            if (NEVER.contains(n.opType()) || keep.contains(n.opType()) || !n.domain().isEmpty()
                    || n.outputs().stream().anyMatch(g::isGraphOutput)) {
                continue;
            }
            boolean allConstant = n.inputs().stream().allMatch(i -> i.isEmpty() || g.initializer(i) != null);
            if (!allConstant || !OpRegistry.standard().supports(n.domain(), n.opType())) {
                continue;
            }
            Tensor[] outs;
            try {
                Op op = OpRegistry.standard().create(new OpContext(n, m.opset(n.domain()), g));
                Tensor[] in = n.inputs().stream().map(i -> i.isEmpty() ? null : g.initializer(i)).toArray(Tensor[]::new);
                outs = op.run(in);
            } catch (RuntimeException e) {
                continue; // leave it to run time, where the error (if any) is reported with context
            }
            for (int i = 0; i < n.outputs().size(); i++) {
                if (!n.output(i).isEmpty() && i < outs.length && outs[i] != null) {
                    g.setInitializer(n.output(i), outs[i]);
                }
            }
            g.removeNode(n);
            folded++;
        }
        if (folded > 0) {
            g.removeUnusedInitializers();
        }
        return folded;
    }
}
