package dev.lowbit.ptq;

import dev.lowbit.onnx.Attribute;
import dev.lowbit.onnx.Graph;
import dev.lowbit.onnx.Model;
import dev.lowbit.onnx.Node;
import dev.lowbit.onnx.ValueInfo;
import dev.lowbit.tensor.DType;
import dev.lowbit.tensor.Tensor;
import java.util.List;
import java.util.Random;

/**
 * A one-layer BERT-style encoder with the structure of HuggingFace exports: inputs input_ids and
 * attention_mask (int64 [N, T]); token embedding Gather, LayerNormalization, one-head attention with
 * the additive mask (1 − mask) × −10000 before Softmax, residual Adds, a GELU (Erf) feed-forward,
 * output last_hidden_state [N, T, D].
 */
final class TinyBert {
    static final int VOCAB = 50;
    static final int D = 16;

    private TinyBert() {
    }

    static Model build(long seed, int opset) {
        Random r = new Random(seed);
        Graph g = new Graph("tinybert");
        g.inputs().add(new ValueInfo("input_ids", DType.INT64, List.of(ValueInfo.Dim.symbolic("batch"), ValueInfo.Dim.symbolic("seq"))));
        g.inputs().add(new ValueInfo("attention_mask", DType.INT64, List.of(ValueInfo.Dim.symbolic("batch"), ValueInfo.Dim.symbolic("seq"))));
        g.outputs().add(new ValueInfo("last_hidden_state", DType.FLOAT, List.of(ValueInfo.Dim.symbolic("batch"),
                ValueInfo.Dim.symbolic("seq"), ValueInfo.Dim.of(D))));
        g.setInitializer("emb", random(r, 1.0, VOCAB, D));
        g.addNode(new Node("Gather", "embed", List.of("emb", "input_ids"), List.of("e")));
        layerNorm(g, r, "ln0", "e", "h0");
        for (String p : new String[] {"q", "k", "v", "o"}) {
            g.setInitializer("w" + p, random(r, 1 / Math.sqrt(D), D, D));
            g.setInitializer("b" + p, random(r, 0.1, D));
        }
        linear(g, "q", "h0", "q");
        linear(g, "k", "h0", "k");
        linear(g, "v", "h0", "v");
        g.addNode(new Node("Transpose", "kT", List.of("k"), List.of("kt")).set(Attribute.ofInts("perm", 0, 2, 1)));
        g.addNode(new Node("MatMul", "scores", List.of("q", "kt"), List.of("s")));
        g.setInitializer("scale", Tensor.of(new float[] {(float) Math.sqrt(D)}));
        g.addNode(new Node("Div", "scale_div", List.of("s", "scale"), List.of("ss")));
        // mask: (1 - float(mask)) * -10000, broadcast over the query axis
        if (opset >= 13) {
            g.addNode(new Node("Unsqueeze", "mask_unsq", List.of("attention_mask", "axis1"), List.of("m1")));
            g.setInitializer("axis1", Tensor.of(new long[] {1}, 1));
        } else {
            g.addNode(new Node("Unsqueeze", "mask_unsq", List.of("attention_mask"), List.of("m1")).set(Attribute.ofInts("axes", 1)));
        }
        g.addNode(new Node("Cast", "mask_cast", List.of("m1"), List.of("mf")).set(Attribute.ofInt("to", DType.FLOAT.onnxCode())));
        g.setInitializer("one", Tensor.of(new float[] {1f}));
        g.setInitializer("neg", Tensor.of(new float[] {-10000f}));
        g.addNode(new Node("Sub", "mask_sub", List.of("one", "mf"), List.of("mi")));
        g.addNode(new Node("Mul", "mask_mul", List.of("mi", "neg"), List.of("madd")));
        g.addNode(new Node("Add", "mask_add", List.of("ss", "madd"), List.of("sm")));
        g.addNode(new Node("Softmax", "softmax", List.of("sm"), List.of("p")).set(Attribute.ofInt("axis", -1)));
        g.addNode(new Node("MatMul", "context", List.of("p", "v"), List.of("c")));
        linear(g, "o", "c", "ao");
        g.addNode(new Node("Add", "residual1", List.of("h0", "ao"), List.of("r1")));
        layerNorm(g, r, "ln1", "r1", "h1");
        g.setInitializer("w1", random(r, 1 / Math.sqrt(D), D, 2 * D));
        g.setInitializer("b1", random(r, 0.1, 2 * D));
        g.setInitializer("w2", random(r, 1 / Math.sqrt(2 * D), 2 * D, D));
        g.setInitializer("b2", random(r, 0.1, D));
        linear(g, "1", "h1", "f1");
        gelu(g, "f1", "gl");
        linear(g, "2", "gl", "f2");
        g.addNode(new Node("Add", "residual2", List.of("h1", "f2"), List.of("r2")));
        layerNorm(g, r, "ln2", "r2", "last_hidden_state");
        Model m = new Model(g);
        m.opsets().put("", (long) opset);
        return m;
    }

    /**
     * The encoder with a sentence classifier on top: last_hidden_state mean-pooled over tokens
     * (ReduceMean, padding included as HuggingFace's plain mean does) and a MatMul + Add head to
     * {@code classes} logits, the model's only output.
     */
    static Model classifier(long seed, int classes) {
        Model m = build(seed, 13);
        Graph g = m.graph();
        Random r = new Random(seed + 1);
        g.outputs().clear();
        g.outputs().add(new ValueInfo("logits", DType.FLOAT, List.of(ValueInfo.Dim.symbolic("batch"), ValueInfo.Dim.of(classes))));
        g.addNode(new Node("ReduceMean", "pool", List.of("last_hidden_state"), List.of("pooled"))
                .set(Attribute.ofInts("axes", 1)).set(Attribute.ofInt("keepdims", 0)));
        g.setInitializer("whead", random(r, 3 / Math.sqrt(D), D, classes));
        g.setInitializer("bhead", random(r, 0.1, classes));
        linear(g, "head", "pooled", "logits");
        return m;
    }

    /** Random token ids (0 = padding at the end of some rows) and their mask. */
    static Tensor[] tokens(long seed, int n, int t) {
        Random r = new Random(seed);
        long[] ids = new long[n * t];
        long[] mask = new long[n * t];
        for (int i = 0; i < n; i++) {
            int len = 2 + r.nextInt(t - 1);
            for (int k = 0; k < t; k++) {
                ids[i * t + k] = k < len ? 1 + r.nextInt(VOCAB - 1) : 0;
                mask[i * t + k] = k < len ? 1 : 0;
            }
        }
        return new Tensor[] {Tensor.of(ids, n, t), Tensor.of(mask, n, t)};
    }

    private static void linear(Graph g, String p, String in, String out) {
        g.addNode(new Node("MatMul", "mm_" + p, List.of(in, "w" + p), List.of(out + "_mm")));
        g.addNode(new Node("Add", "bias_" + p, List.of(out + "_mm", "b" + p), List.of(out)));
    }

    /** Decomposed as PyTorch exports it before opset 17: mean, variance, normalise, scale, shift. */
    private static void layerNorm(Graph g, Random r, String p, String in, String out) {
        g.setInitializer(p + "_g", Tensor.of(ones(1 + 0.1 * r.nextGaussian()), D));
        g.setInitializer(p + "_b", random(r, 0.1, D));
        g.setInitializer(p + "_eps", Tensor.of(new float[] {1e-5f}));
        g.setInitializer(p + "_two", Tensor.of(new float[] {2f}));
        g.addNode(new Node("ReduceMean", p + "_mean", List.of(in), List.of(p + "_mu")).set(Attribute.ofInts("axes", -1)));
        g.addNode(new Node("Sub", p + "_sub", List.of(in, p + "_mu"), List.of(p + "_xc")));
        g.addNode(new Node("Pow", p + "_pow", List.of(p + "_xc", p + "_two"), List.of(p + "_sq")));
        g.addNode(new Node("ReduceMean", p + "_var", List.of(p + "_sq"), List.of(p + "_v")).set(Attribute.ofInts("axes", -1)));
        g.addNode(new Node("Add", p + "_addeps", List.of(p + "_v", p + "_eps"), List.of(p + "_ve")));
        g.addNode(new Node("Sqrt", p + "_sqrt", List.of(p + "_ve"), List.of(p + "_sd")));
        g.addNode(new Node("Div", p + "_div", List.of(p + "_xc", p + "_sd"), List.of(p + "_n")));
        g.addNode(new Node("Mul", p + "_scale", List.of(p + "_n", p + "_g"), List.of(p + "_ns")));
        g.addNode(new Node("Add", p + "_shift", List.of(p + "_ns", p + "_b"), List.of(out)));
    }

    private static void gelu(Graph g, String in, String out) {
        g.setInitializer("sqrt2", Tensor.of(new float[] {1.4142135f}));
        g.setInitializer("half", Tensor.of(new float[] {0.5f}));
        g.setInitializer("gone", Tensor.of(new float[] {1f}));
        g.addNode(new Node("Div", "gelu_div", List.of(in, "sqrt2"), List.of("gd")));
        g.addNode(new Node("Erf", "gelu_erf", List.of("gd"), List.of("ge")));
        g.addNode(new Node("Add", "gelu_add", List.of("ge", "gone"), List.of("ga")));
        g.addNode(new Node("Mul", "gelu_mul", List.of(in, "ga"), List.of("gm")));
        g.addNode(new Node("Mul", "gelu_half", List.of("gm", "half"), List.of(out)));
    }

    private static float[] ones(double v) {
        float[] f = new float[D];
        java.util.Arrays.fill(f, (float) v);
        return f;
    }

    private static Tensor random(Random r, double scale, int... shape) {
        float[] f = new float[dev.lowbit.tensor.Shapes.size(shape)];
        for (int i = 0; i < f.length; i++) {
            f[i] = (float) (r.nextGaussian() * scale);
        }
        return Tensor.of(f, shape);
    }
}
