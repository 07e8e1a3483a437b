package dev.lowbit.ptq;

import dev.lowbit.exec.Executor;
import dev.lowbit.exec.TensorHook;
import dev.lowbit.onnx.Graph;
import dev.lowbit.onnx.Model;
import dev.lowbit.onnx.Node;
import dev.lowbit.tensor.Tensor;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Per-channel means E[x_c] of tensors, as bias correction needs them: measured on data (streaming,
 * constant memory) or derived from BatchNormalization statistics (data-free).
 */
public final class ExpectedInputs {
    private ExpectedInputs() {
    }

    /**
     * Means over every axis but 1 (N, and H, W... for conv activations) of each tensor in
     * {@code values}, observed while running {@code model} on {@code batches}.
     */
    public static Map<String, double[]> empirical(Model model, Iterable<Map<String, Tensor>> batches, Set<String> values) {
        Map<String, double[]> sums = new HashMap<>();
        Map<String, long[]> counts = new HashMap<>();
        TensorHook hook = (name, t) -> {
            if (values.contains(name) && t.rank() >= 2) {
                int c = t.dim(1);
                int inner = t.size() / (t.dim(0) * c);
                double[] s = sums.computeIfAbsent(name, k -> new double[c]);
                if (s.length == c) {
                    float[] f = t.toFloatArray();
                    for (int i = 0; i < f.length; i++) {
                        s[(i / inner) % c] += f[i];
                    }
                    counts.computeIfAbsent(name, k -> new long[1])[0] += t.size() / c;
                }
            }
            return t;
        };
        Executor exec = new Executor(model);
        for (Map<String, Tensor> x : batches) {
            exec.run(x, hook, Set.of());
        }
        Map<String, double[]> means = new HashMap<>();
        sums.forEach((name, s) -> {
            long n = counts.get(name)[0];
            double[] m = new double[s.length];
            for (int i = 0; i < m.length; i++) {
                m[i] = s[i] / n;
            }
            means.put(name, m);
        });
        return means;
    }

    /**
     * E[x_c] of {@code value} from BN statistics, or null when they do not determine it. A BN output
     * is N(β, γ²) per channel; Relu and Clip(a, b) of it have the clipped-normal mean; Add sums means
     * (exact) and, for a following activation, is treated as the sum of independent normals (an
     * approximation); GlobalAveragePool, Flatten after it, and Identity keep channel means.
     */
    public static double[] analytic(Graph g, BatchNormStats stats, String value) {
        BatchNormStats.Gaussian h = gaussian(g, stats, value);
        if (h != null) {
            return h.mean().clone();
        }
        Node p = g.producer(value);
        if (p == null) {
            return null;
        }
        switch (p.opType()) {
            case "Relu", "Clip" -> {
                BatchNormStats.Gaussian in = gaussian(g, stats, p.input(0));
                double[] bounds = p.opType().equals("Relu") ? new double[] {0, Double.POSITIVE_INFINITY} : LayerGraph.clipBounds(g, p);
                if (in == null || bounds == null) {
                    return null;
                }
                double[] m = new double[in.mean().length];
                for (int c = 0; c < m.length; c++) {
                    m[c] = clippedNormalMean(in.mean()[c], in.std()[c], bounds[0], bounds[1]);
                }
                return m;
            }
            case "Add" -> {
                double[] a = analytic(g, stats, p.input(0));
                double[] b = p.inputs().size() == 2 ? analytic(g, stats, p.input(1)) : null;
                if (a == null || b == null || a.length != b.length) {
                    return null;
                }
                for (int c = 0; c < a.length; c++) {
                    a[c] += b[c];
                }
                return a;
            }
            case "GlobalAveragePool", "Identity" -> {
                return analytic(g, stats, p.input(0));
            }
            case "Flatten" -> {
                Node q = g.producer(p.input(0));
                return q != null && q.opType().equals("GlobalAveragePool") ? analytic(g, stats, p.input(0)) : null;
            }
            default -> {
                return null;
            }
        }
    }

    private static BatchNormStats.Gaussian gaussian(Graph g, BatchNormStats stats, String value) {
        BatchNormStats.Gaussian h = stats.get(value);
        if (h != null) {
            return h;
        }
        Node p = g.producer(value);
        if (p != null && p.opType().equals("Add") && p.inputs().size() == 2) {
            BatchNormStats.Gaussian a = gaussian(g, stats, p.input(0));
            BatchNormStats.Gaussian b = gaussian(g, stats, p.input(1));
            if (a != null && b != null && a.mean().length == b.mean().length) {
                double[] m = new double[a.mean().length];
                double[] s = new double[m.length];
                for (int c = 0; c < m.length; c++) {
                    m[c] = a.mean()[c] + b.mean()[c];
                    s[c] = Math.hypot(a.std()[c], b.std()[c]);
                }
                return new BatchNormStats.Gaussian(m, s);
            }
        }
        return null;
    }

    /** E[clip(X, lo, hi)] for X ~ N(mu, sigma²); lo/hi may be infinite. E[relu(X)] = σφ(μ/σ) + μΦ(μ/σ). */
    public static double clippedNormalMean(double mu, double sigma, double lo, double hi) {
        if (sigma <= 0) {
            return Math.min(hi, Math.max(lo, mu));
        }
        double a = (lo - mu) / sigma;
        double b = (hi - mu) / sigma;
        double cdfA = Double.isInfinite(lo) ? 0 : cdf(a);
        double cdfB = Double.isInfinite(hi) ? 1 : cdf(b);
        double pdfA = Double.isInfinite(lo) ? 0 : pdf(a);
        double pdfB = Double.isInfinite(hi) ? 0 : pdf(b);
        double below = Double.isInfinite(lo) ? 0 : lo * cdfA;
        double above = Double.isInfinite(hi) ? 0 : hi * (1 - cdfB);
        return below + mu * (cdfB - cdfA) + sigma * (pdfA - pdfB) + above;
    }

    static double pdf(double z) {
        return Math.exp(-0.5 * z * z) / Math.sqrt(2 * Math.PI);
    }

    /** Standard normal CDF via erfc (Chebyshev fit, relative error below 1.2e-7). */
    static double cdf(double z) {
        return 0.5 * erfc(-z / Math.sqrt(2));
    }

    static double erfc(double x) {
        double z = Math.abs(x);
        double t = 1 / (1 + 0.5 * z);
        double r = t * Math.exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418
                + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587
                + t * (-0.82215223 + t * 0.17087277)))))))));
        return x >= 0 ? r : 2 - r;
    }

    /** The tensors a node list reads as activation input (input 0). */
    static Set<String> inputsOf(List<Node> nodes) {
        Set<String> s = new java.util.LinkedHashSet<>();
        nodes.forEach(n -> s.add(n.input(0)));
        return s;
    }
}
