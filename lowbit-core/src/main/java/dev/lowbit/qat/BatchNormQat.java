package dev.lowbit.qat;

import dev.lowbit.passes.BatchNormFolding;
import dev.lowbit.onnx.Graph;
import dev.lowbit.onnx.Model;
import dev.lowbit.onnx.Node;
import dev.lowbit.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * BatchNormalization kept alive during training, the way PyTorch's fused Conv-BN QAT modules and the
 * quantization white paper do it. Each Conv → BatchNormalization pair becomes, in the training graph,
 * <pre>
 *   Conv(x, Ŵ) → Mul(σ/γ) → Add(b) → BatchNormalization(γ, β, μ, σ²)
 * </pre>
 * where Ŵ = fakequant(W·γ/σ) is computed by the trainer each step from the trained W, γ and the
 * running σ = sqrt(var + ε): the weights are quantized exactly as the BN-folded export will quantize
 * them, while the BN normalises with the batch's statistics (training mode) so that the weights see
 * the same gradients as float training. Running statistics are updated from every batch (momentum
 * 0.1, unbiased variance, as PyTorch). Once BN is frozen the BN uses the running statistics and the
 * chain is exactly the folded conv. The export folds W, b, γ, β, μ, σ² as
 * {@link BatchNormFolding} does.
 */
final class BatchNormQat {
    static final double MOMENTUM = 0.1;

    /** One Conv-BN pair: names in the training graph plus the folded names of the prepared graph. */
    record Pair(String conv, String weight, String bias, String gamma, String beta, String mean, String var,
                float epsilon, String quantizedWeight, String invFactor, String bnInput, String foldedBias) {
    }

    private final List<Pair> pairs;
    private final Model training;

    private BatchNormQat(Model training, List<Pair> pairs) {
        this.training = training;
        this.pairs = pairs;
    }

    List<Pair> pairs() {
        return pairs;
    }

    /** The training graph (a new model; the inputs are not changed). */
    Model trainingModel() {
        return training;
    }

    /**
     * Builds the training graph from the cleaned but unfolded float model {@code unfolded}; {@code prepared}
     * is the BN-folded graph the quantizer plan refers to (same node names), used to find each folded bias.
     * BatchNormalizations that do not follow a Conv are folded statically, as in PTQ.
     */
    static BatchNormQat build(Model unfolded, Model prepared) {
        Model m = unfolded.copy();
        Graph g = m.graph();
        List<Pair> pairs = new ArrayList<>();
        for (Node bn : List.copyOf(g.nodes())) {
            if (!bn.opType().equals("BatchNormalization")) {
                continue;
            }
            Pair p = transform(g, bn, prepared.graph());
            if (p != null) {
                pairs.add(p);
            }
        }
        // The trained W is read by the trainer only (the conv reads its folded copy): keep it through the cleanup.
        Map<String, Tensor> weights = new java.util.HashMap<>();
        pairs.forEach(p -> weights.put(p.weight(), g.initializer(p.weight())));
        BatchNormFolding.apply(g);
        g.removeUnusedInitializers();
        weights.forEach(g::setInitializer);
        return new BatchNormQat(m, pairs);
    }

    private static Pair transform(Graph g, Node bn, Graph prepared) {
        String x = bn.input(0);
        Node conv = g.producer(x);
        if (conv == null || !conv.opType().equals("Conv") || g.consumers(x).size() != 1 || g.isGraphOutput(x)
                || bn.outputs().stream().skip(1).anyMatch(o -> !o.isEmpty())) {
            return null;
        }
        Tensor w = g.initializer(conv.input(1));
        Tensor gamma = g.initializer(bn.input(1)), beta = g.initializer(bn.input(2));
        Tensor mean = g.initializer(bn.input(3)), var = g.initializer(bn.input(4));
        if (w == null || gamma == null || beta == null || mean == null || var == null
                || g.consumers(conv.input(1)).size() != 1 || gamma.size() != w.dim(0)) {
            return null;
        }
        Node folded = prepared.nodes().stream().filter(n -> n.name().equals(conv.name())).findFirst().orElse(null);
        if (folded == null || !folded.hasInput(2) || !folded.input(1).equals(conv.input(1))) {
            return null;
        }
        int channels = w.dim(0);
        int[] perChannel = new int[w.rank() - 1];
        java.util.Arrays.fill(perChannel, 1);
        perChannel[0] = channels;
        String weight = conv.input(1);
        String quantized = g.uniqueName(weight + "_bnqat_folded");
        g.setInitializer(quantized, w.copy());
        String inv = g.uniqueName(conv.name() + "_bnqat_inv_factor");
        g.setInitializer(inv, Tensor.of(new float[channels], perChannel));
        Tensor b = conv.hasInput(2) ? g.initializer(conv.input(2)) : Tensor.of(new float[channels], channels);
        if (b == null || conv.hasInput(2) && g.consumers(conv.input(2)).size() != 1) {
            return null;
        }
        // Always an explicit bias, so that a frozen pair can be fed its quantized folded bias.
        String bias = g.uniqueName((conv.hasInput(2) ? conv.input(2) : weight) + "_bnqat_bias");
        g.setInitializer(bias, Tensor.of(b.floats().clone(), perChannel));
        if (conv.hasInput(2)) {
            conv.inputs().set(2, "");
        }
        conv.inputs().set(1, quantized);
        String z = g.uniqueName(x + "_bnqat_conv"), scaled = g.uniqueName(x + "_bnqat_scaled");
        conv.outputs().set(conv.outputs().indexOf(x), z);
        Node mul = new Node("Mul", g.uniqueName(conv.name() + "_bnqat_unscale"), List.of(z, inv), List.of(scaled));
        g.insertAfter(conv, mul);
        g.insertAfter(mul, new Node("Add", g.uniqueName(conv.name() + "_bnqat_bias"), List.of(scaled, bias), List.of(x)));
        return new Pair(conv.name(), weight, bias, bn.input(1), bn.input(2), bn.input(3), bn.input(4),
                bn.getFloat("epsilon", 1e-5f), quantized, inv, x, folded.input(2));
    }

    /** γ/sqrt(var + ε) per channel. */
    static float[] factor(Pair p, Map<String, Tensor> values) {
        float[] gamma = values.get(p.gamma()).floats(), var = values.get(p.var()).floats();
        float[] f = new float[gamma.length];
        for (int c = 0; c < f.length; c++) {
            f[c] = (float) (gamma[c] / Math.sqrt(var[c] + (double) p.epsilon()));
        }
        return f;
    }

    /** W scaled per output channel by {@code f}. */
    static Tensor scaled(Tensor w, float[] f) {
        float[] src = w.floats(), dst = new float[src.length];
        int inner = src.length / f.length;
        for (int i = 0; i < src.length; i++) {
            dst[i] = src[i] * f[i / inner];
        }
        return Tensor.of(dst, w.shape());
    }

    /**
     * Feeds of one step: the (fake-quantized) folded weight and 1/factor of every pair. {@code values}
     * holds the trained tensors and the running statistics; {@code quantize} fake-quantizes a folded weight
     * by its weight name (identity in float mode).
     */
    void feeds(Map<String, Tensor> values, Map<String, Tensor> feeds, java.util.function.BiFunction<String, Tensor, Tensor> quantize) {
        for (Pair p : pairs) {
            float[] f = factor(p, values);
            feeds.put(p.quantizedWeight(), quantize.apply(p.weight(), scaled(values.get(p.weight()), f)));
            Tensor inv = values.get(p.invFactor()).copy();
            for (int c = 0; c < f.length; c++) {
                inv.floats()[c] = 1 / f[c];
            }
            feeds.put(p.invFactor(), inv);
        }
    }

    /**
     * Chains the gradient of the folded weight and of 1/factor back to W and γ: with f = γ/σ,
     * Ŵ = q(W·f) (straight through), so dW = dŴ·f and dγ += Σ dŴ·W/σ − d(1/f)·σ/γ².
     * {@code dFolded} is d loss / d W·f after the weight quantizer's own backward.
     */
    static void chain(Pair p, Map<String, Tensor> values, float[] dFolded, float[] dInv, float[] dW, float[] dGamma) {
        float[] f = factor(p, values);
        float[] w = values.get(p.weight()).floats(), var = values.get(p.var()).floats();
        int inner = w.length / f.length;
        for (int c = 0; c < f.length; c++) {
            double sigma = Math.sqrt(var[c] + (double) p.epsilon());
            double acc = 0;
            for (int i = c * inner; i < (c + 1) * inner; i++) {
                dW[i] = dFolded[i] * f[c];
                acc += dFolded[i] * w[i];
            }
            dGamma[c] += (float) (acc / sigma - dInv[c] / (f[c] * f[c]) / sigma);
        }
    }

    /**
     * The bias to feed a frozen pair so that the BN's output carries the export's int32 folded bias:
     * with f = γ/σ the folded bias is f·(b − μ) + β, so b' = (q(f·(b − μ) + β) − β)/f + μ, where q rounds to
     * a multiple of {@code step} of channel c.
     */
    static Tensor quantizedBias(Pair p, Map<String, Tensor> values, java.util.function.IntToDoubleFunction step) {
        float[] f = factor(p, values);
        float[] b = values.get(p.bias()).floats(), beta = values.get(p.beta()).floats(), mean = values.get(p.mean()).floats();
        float[] out = new float[b.length];
        for (int c = 0; c < b.length; c++) {
            float folded = (float) ((b[c] - mean[c]) * (double) f[c] + beta[c]);
            float q = QatTrainer.biasStep(folded, (float) step.applyAsDouble(c));
            out[c] = (float) ((q - beta[c]) / (double) f[c] + mean[c]);
        }
        return Tensor.of(out, values.get(p.bias()).shape());
    }

    /** Moves the running statistics toward the batch's (BN input {@code x}), with the unbiased variance. */
    static void updateRunningStats(Pair p, Tensor x, Map<String, Tensor> values) {
        int n = x.dim(0), c = x.dim(1), inner = x.size() / (n * c);
        float[] xs = x.floats(), mean = values.get(p.mean()).floats(), var = values.get(p.var()).floats();
        long count = (long) n * inner;
        for (int ch = 0; ch < c; ch++) {
            double sum = 0, sq = 0;
            for (int b = 0; b < n; b++) {
                for (int i = (b * c + ch) * inner, end = i + inner; i < end; i++) {
                    sum += xs[i];
                }
            }
            double m = sum / count;
            for (int b = 0; b < n; b++) {
                for (int i = (b * c + ch) * inner, end = i + inner; i < end; i++) {
                    sq += (xs[i] - m) * (xs[i] - m);
                }
            }
            mean[ch] = (float) ((1 - MOMENTUM) * mean[ch] + MOMENTUM * m);
            var[ch] = (float) ((1 - MOMENTUM) * var[ch] + MOMENTUM * sq / Math.max(1, count - 1));
        }
    }

    /** Writes the BN-folded weight and bias of every pair into {@code prepared} (the export's float graph). */
    void fold(Graph prepared, Function<String, Tensor> values) {
        for (Pair p : pairs) {
            Map<String, Tensor> v = new java.util.HashMap<>();
            for (String name : List.of(p.gamma(), p.beta(), p.mean(), p.var(), p.weight())) {
                v.put(name, values.apply(name));
            }
            float[] f = factor(p, v);
            prepared.setInitializer(p.weight(), scaled(v.get(p.weight()), f));
            float[] beta = v.get(p.beta()).floats(), mean = v.get(p.mean()).floats();
            float[] b = values.apply(p.bias()).floats();
            float[] folded = new float[f.length];
            for (int c = 0; c < f.length; c++) {
                folded[c] = (float) ((b[c] - mean[c]) * (double) f[c] + beta[c]);
            }
            prepared.setInitializer(p.foldedBias(), Tensor.of(folded, f.length));
        }
    }
}
