package dev.lowbit.quant;

import dev.lowbit.onnx.Graph;
import dev.lowbit.onnx.Node;
import java.util.Locale;

/**
 * Where quantizers go, by kind of network.
 *
 * <ul>
 *   <li>{@link #CNN}: integer end to end, as runtimes fuse convolutional nets: weighted ops quantize
 *       their input, weight and bias and their output after a following Relu/Clip; Add/Concat/pooling
 *       run quantized; reshaping ops share their input's parameters.</li>
 *   <li>{@link #TRANSFORMER}: only the matrix products run in integer: MatMul/Gemm inputs (weights per
 *       channel) and both operands of activation×activation MatMuls (Q·Kᵀ, P·V); the embedding Gather's
 *       table per row. Outputs stay float, and so do the ops whose ranges int8 cannot hold — the
 *       attention-mask Add with its −10000 constants, Softmax, LayerNormalization, GELU/Erf and residual
 *       Adds. A quantized value feeds only the matrix products; its other readers keep the float value.</li>
 * </ul>
 */
public enum Recipe {
    CNN, TRANSFORMER;

    /** True when a quantized activation is dequantized for the quantized readers only. */
    public boolean quantizesForReadersOnly() {
        return this == TRANSFORMER;
    }

    public static Recipe parse(String s) {
        try {
            return valueOf(s.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new dev.lowbit.LowbitException("unknown recipe '" + s + "' (use auto, cnn or transformer)");
        }
    }

    /** {@link #TRANSFORMER} when the graph has attention (a Softmax over the product of two activations), else {@link #CNN}. */
    public static Recipe detect(Graph g) {
        for (Node n : g.nodes()) {
            if (n.opType().equals("Softmax") && readsActivationProduct(g, n.input(0), 4)) {
                return TRANSFORMER;
            }
            if (n.opType().equals("Attention") || n.opType().equals("MultiHeadAttention")) {
                return TRANSFORMER;
            }
        }
        return CNN;
    }

    /** Whether {@code value} is, within {@code depth} elementwise ops, a MatMul of two computed tensors. */
    private static boolean readsActivationProduct(Graph g, String value, int depth) {
        Node p = g.producer(value);
        if (p == null || depth < 0) {
            return false;
        }
        if (p.opType().equals("MatMul")) {
            return g.initializer(p.input(0)) == null && g.initializer(p.input(1)) == null;
        }
        if (p.opType().equals("Add") || p.opType().equals("Div") || p.opType().equals("Mul") || p.opType().equals("Sub")
                || p.opType().equals("Where") || p.opType().equals("Cast")) {
            for (String in : p.inputs()) {
                if (!in.isEmpty() && readsActivationProduct(g, in, depth - 1)) {
                    return true;
                }
            }
        }
        return false;
    }
}
