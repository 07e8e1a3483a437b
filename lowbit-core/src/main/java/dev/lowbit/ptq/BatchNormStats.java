package dev.lowbit.ptq;

import dev.lowbit.passes.GraphCleanup;
import dev.lowbit.onnx.Graph;
import dev.lowbit.onnx.Model;
import dev.lowbit.onnx.Node;
import dev.lowbit.tensor.Tensor;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What BatchNormalization layers say about the distribution of their outputs, kept after the BNs
 * are folded away: a BN output channel is (by training) roughly normal with mean β and standard
 * deviation |γ|. Keyed by the BN's output tensor name, which after folding is the output of the
 * Conv/Gemm the BN was folded into.
 *
 * <p>Data-free quantization uses these statistics twice: bias absorption (c = max(0, β − 3γ)) and
 * analytic bias correction (E[x] of the next layer's input). Equalization rescales a layer's output
 * channels and absorption shifts them, so those steps update the statistics here as they go.
 */
public final class BatchNormStats {
    /** Per-channel mean and standard deviation of one tensor. */
    public record Gaussian(double[] mean, double[] std) {
    }

    private final Map<String, Gaussian> byValue = new LinkedHashMap<>();

    /** Reads every BatchNormalization with constant γ and β in {@code original} (before folding). */
    public static BatchNormStats capture(Model original) {
        Model m = original.copy();
        Graph g = m.graph();
        GraphCleanup.removeNoOps(g); // Identity-wrapped parameters become plain initializers
        BatchNormStats s = new BatchNormStats();
        for (Node n : g.nodes()) {
            if (!n.opType().equals("BatchNormalization") || n.inputs().size() < 3) {
                continue;
            }
            Tensor gamma = g.initializer(n.input(1));
            Tensor beta = g.initializer(n.input(2));
            if (gamma == null || beta == null || gamma.size() != beta.size()) {
                continue;
            }
            double[] mean = new double[beta.size()];
            double[] std = new double[beta.size()];
            for (int c = 0; c < mean.length; c++) {
                mean[c] = beta.getDouble(c);
                std[c] = Math.abs(gamma.getDouble(c));
            }
            s.byValue.put(n.output(0), new Gaussian(mean, std));
        }
        return s;
    }

    /** An empty set (no BN information: absorption and analytic correction do nothing). */
    public static BatchNormStats none() {
        return new BatchNormStats();
    }

    public void put(String value, Gaussian g) {
        byValue.put(value, g);
    }

    /** The statistics of {@code value}, or null when no BN described it. */
    public Gaussian get(String value) {
        return byValue.get(value);
    }

    public int size() {
        return byValue.size();
    }

    /** Channel c of {@code value} was multiplied by {@code factor[c]} (> 0). */
    void scale(String value, double[] factor) {
        Gaussian g = byValue.get(value);
        if (g != null) {
            for (int c = 0; c < factor.length; c++) {
                g.mean[c] *= factor[c];
                g.std[c] *= factor[c];
            }
        }
    }

    /** Channel c of {@code value} was shifted by −{@code c[c]}. */
    void shift(String value, double[] c) {
        Gaussian g = byValue.get(value);
        if (g != null) {
            for (int i = 0; i < c.length; i++) {
                g.mean[i] -= c[i];
            }
        }
    }
}
