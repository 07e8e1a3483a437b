package dev.lowbit.qat;

import dev.lowbit.onnx.Graph;
import dev.lowbit.onnx.Model;
import dev.lowbit.onnx.Node;
import dev.lowbit.tensor.DType;
import dev.lowbit.tensor.Tensor;
import java.util.Random;

/**
 * Fresh parameters for training a graph from scratch ({@code init: random}): He-normal weights
 * (std = sqrt(2 / fan_in), He et al. 2015) for Conv, Gemm and MatMul, zero biases, and BatchNormalization
 * at γ = 1, β = 0, mean 0, variance 1; LayerNormalization scales 1 and biases 0. Seeded, so the same seed
 * gives the same start.
 */
final class WeightInit {
    private WeightInit() {
    }

    /** A copy of {@code m} with every trainable parameter re-initialised from {@code seed}. */
    static Model random(Model m, long seed) {
        Model out = m.copy();
        Graph g = out.graph();
        Random rnd = new Random(seed ^ 0x5DEECE66DL);
        for (Node n : g.topologicalOrder()) {
            switch (n.opType()) {
                case "Conv", "Gemm", "MatMul" -> {
                    Tensor w = floatInit(g, n, 1);
                    if (w != null) {
                        int fanIn = n.opType().equals("Conv") ? w.size() / w.dim(0)
                                : n.opType().equals("Gemm") && n.getInt("transB", 0) == 1 ? w.dim(1) : w.dim(0);
                        double std = Math.sqrt(2.0 / Math.max(1, fanIn));
                        float[] d = new float[w.size()];
                        for (int i = 0; i < d.length; i++) {
                            d[i] = (float) (std * rnd.nextGaussian());
                        }
                        g.setInitializer(n.input(1), Tensor.of(d, w.shape()));
                    }
                    fill(g, n, 2, 0f);
                }
                case "BatchNormalization" -> {
                    fill(g, n, 1, 1f);
                    fill(g, n, 2, 0f);
                    fill(g, n, 3, 0f);
                    fill(g, n, 4, 1f);
                }
                case "LayerNormalization" -> {
                    fill(g, n, 1, 1f);
                    fill(g, n, 2, 0f);
                }
                case "Add" -> { // the bias of a MatMul + Add pair
                    for (int i = 0; i < n.inputs().size(); i++) {
                        Node other = g.producer(n.input(1 - Math.min(i, 1)));
                        if (i < 2 && other != null && other.opType().equals("MatMul")) {
                            fill(g, n, i, 0f);
                        }
                    }
                }
                default -> {
                }
            }
        }
        return out;
    }

    private static Tensor floatInit(Graph g, Node n, int input) {
        Tensor t = n.hasInput(input) ? g.initializer(n.input(input)) : null;
        return t != null && t.dtype() == DType.FLOAT ? t : null;
    }

    private static void fill(Graph g, Node n, int input, float v) {
        Tensor t = floatInit(g, n, input);
        if (t != null) {
            float[] d = new float[t.size()];
            java.util.Arrays.fill(d, v);
            g.setInitializer(n.input(input), Tensor.of(d, t.shape()));
        }
    }
}
