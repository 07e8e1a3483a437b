package dev.lowbit.passes;

import dev.lowbit.onnx.Graph;
import dev.lowbit.onnx.Node;
import dev.lowbit.tensor.Tensor;
import java.util.List;

/**
 * Folds inference-mode BatchNormalization into the Conv or Gemm that feeds it:
 * W'[o] = W[o]·γ[o]/√(σ²[o]+ε), b'[o] = (b[o] − μ[o])·γ[o]/√(σ²[o]+ε) + β[o].
 * Applies only where the producer's output feeds the BN alone, all parameters are constants and
 * the producer's weight is not shared with another node; other BNs stay as they are.
 */
public final class BatchNormFolding {
    private BatchNormFolding() {
    }

    /** Folds every eligible BN in place and returns how many were folded. */
    public static int apply(Graph g) {
        int folded = 0;
        for (Node bn : List.copyOf(g.nodes())) {
            if (bn.opType().equals("BatchNormalization") && fold(g, bn)) {
                folded++;
            }
        }
        if (folded > 0) {
            g.removeUnusedInitializers();
        }
        return folded;
    }

    private static boolean fold(Graph g, Node bn) {
        if (bn.outputs().size() > 1 && bn.outputs().subList(1, bn.outputs().size()).stream().anyMatch(s -> !s.isEmpty())) {
            return false; // training-mode outputs are used
        }
        String x = bn.input(0);
        Node prod = g.producer(x);
        if (prod == null || g.consumers(x).size() != 1 || g.isGraphOutput(x)) {
            return false;
        }
        Tensor gamma = g.initializer(bn.input(1));
        Tensor beta = g.initializer(bn.input(2));
        Tensor mean = g.initializer(bn.input(3));
        Tensor var = g.initializer(bn.input(4));
        if (gamma == null || beta == null || mean == null || var == null) {
            return false;
        }
        int axis;
        switch (prod.opType()) {
            case "Conv" -> axis = 0;
            case "Gemm" -> {
                if (prod.getFloat("alpha", 1f) != 1f || prod.getFloat("beta", 1f) != 1f || prod.getInt("transA", 0) != 0) {
                    return false;
                }
                axis = prod.getInt("transB", 0) == 1 ? 0 : 1;
            }
            default -> {
                return false;
            }
        }
        Tensor w = g.initializer(prod.input(1));
        if (w == null || g.consumers(prod.input(1)).size() != 1 || w.dtype() != dev.lowbit.tensor.DType.FLOAT) {
            return false;
        }
        int channels = w.dim(axis);
        if (gamma.size() != channels) {
            return false;
        }
        Tensor b = prod.hasInput(2) ? g.initializer(prod.input(2)) : null;
        if (prod.hasInput(2) && (b == null || g.consumers(prod.input(2)).size() != 1 || b.size() != channels)) {
            return false;
        }
        if (prod.opType().equals("Gemm") && b != null && b.rank() != 1) {
            return false;
        }
        float eps = bn.getFloat("epsilon", 1e-5f);
        float[] scale = new float[channels];
        float[] bias = new float[channels];
        for (int c = 0; c < channels; c++) {
            double s = gamma.getDouble(c) / Math.sqrt(var.getDouble(c) + eps);
            scale[c] = (float) s;
            double b0 = b == null ? 0 : b.getDouble(c);
            bias[c] = (float) ((b0 - mean.getDouble(c)) * s + beta.getDouble(c));
        }
        Tensor nw = w.copy();
        float[] wd = nw.floats();
        int[] shape = w.shapeRef();
        if (axis == 0) {
            int inner = wd.length / channels;
            for (int c = 0; c < channels; c++) {
                for (int i = 0; i < inner; i++) {
                    wd[c * inner + i] *= scale[c];
                }
            }
        } else {
            int rows = shape[0];
            for (int r = 0; r < rows; r++) {
                for (int c = 0; c < channels; c++) {
                    wd[r * channels + c] *= scale[c];
                }
            }
        }
        g.setInitializer(prod.input(1), nw);
        String biasName = prod.hasInput(2) ? prod.input(2) : g.uniqueName(prod.input(1) + "_bias");
        g.setInitializer(biasName, Tensor.of(bias, channels));
        while (prod.inputs().size() < 3) {
            prod.inputs().add("");
        }
        prod.inputs().set(2, biasName);
        // The producer now writes what the BN wrote; the BN disappears.
        prod.outputs().set(prod.outputs().indexOf(x), bn.output(0));
        g.removeNode(bn);
        g.valueInfos().remove(x);
        return true;
    }
}
