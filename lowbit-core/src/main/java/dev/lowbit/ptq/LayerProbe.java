package dev.lowbit.ptq;

import dev.lowbit.quant.QuantPlan;
import dev.lowbit.exec.Executor;
import dev.lowbit.exec.OpRegistry;
import dev.lowbit.onnx.Graph;
import dev.lowbit.onnx.Model;
import dev.lowbit.onnx.Node;
import dev.lowbit.onnx.ValueInfo;
import dev.lowbit.quant.QuantParams;
import dev.lowbit.tensor.DType;
import dev.lowbit.tensor.Tensor;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One quantized layer of a planned graph, a weighted node (Conv, Gemm, MatMul) with the Relu/Clip
 * fused after it, extracted into a graph of its own whose input, weight and bias are fed at run
 * time, so that candidate quantization scales can be tried without running the whole model.
 *
 * <p>The bias is fed the way the QDQ model stores it ({@link #quantizedBias}): int32 with scale
 * input scale × weight scale, so the probe computes what ONNX Runtime would.
 */
final class LayerProbe {
    private static final String X = "probe_x";
    private static final String W = "probe_w";
    private static final String B = "probe_b";
    private static final String Y = "probe_y";

    final String node;
    final String input;
    final String weight;
    final int weightAxis;
    /** The float tensor the layer's quantized output is taken from: the fused activation's output, else the node's. */
    final String output;
    /** The float bias initializer, or null; quantized as int32 when {@link #biasQuantized}. */
    final String bias;
    final boolean biasQuantized;
    /** True for Gemm/MatMul, whose output channels are the last axis; Conv's are axis 1. */
    final boolean channelLast;
    private final Executor exec;

    private LayerProbe(String node, String input, String weight, int weightAxis, String output, String bias,
                       boolean biasQuantized, boolean channelLast, Executor exec) {
        this.node = node;
        this.input = input;
        this.weight = weight;
        this.weightAxis = weightAxis;
        this.output = output;
        this.bias = bias;
        this.biasQuantized = biasQuantized;
        this.channelLast = channelLast;
        this.exec = exec;
    }

    /** Probes for every planned weight, in plan (topological) order. */
    static List<LayerProbe> all(Model prepared, QuantPlan plan) {
        Graph g = prepared.graph();
        Map<String, Node> byName = new HashMap<>();
        g.nodes().forEach(n -> byName.put(n.key(), n));
        List<LayerProbe> out = new ArrayList<>();
        for (QuantPlan.Weight w : plan.weights()) {
            Node n = byName.get(w.node());
            if (n != null && w.inputIndex() == 1) {
                out.add(of(prepared, plan, n, w));
            }
        }
        return out;
    }

    private static LayerProbe of(Model prepared, QuantPlan plan, Node n, QuantPlan.Weight w) {
        Graph g = prepared.graph();
        Graph mg = new Graph("probe_" + w.node());
        mg.inputs().add(new ValueInfo(X, DType.FLOAT, null));
        mg.inputs().add(new ValueInfo(W, DType.FLOAT, null));
        String bias = n.hasInput(2) ? n.input(2) : null;
        boolean biasQuantized = plan.biases().stream().anyMatch(b -> b.node().equals(w.node()));
        List<String> ins = new ArrayList<>(List.of(X, W));
        if (bias != null) {
            mg.inputs().add(new ValueInfo(B, DType.FLOAT, null));
            ins.add(B);
        }
        Node copy = n.copy();
        copy.inputs().clear();
        copy.inputs().addAll(ins);
        copy.outputs().clear();
        Node act = fusedActivation(g, plan, n);
        String mid = act == null ? Y : "probe_pre_activation";
        copy.outputs().add(mid);
        mg.addNode(copy);
        if (act != null) {
            Node a = act.copy();
            a.inputs().set(0, mid);
            for (int i = 1; i < a.inputs().size(); i++) {
                String bound = a.input(i);
                if (!bound.isEmpty()) {
                    mg.setInitializer(bound, g.initializer(bound));
                }
            }
            a.outputs().clear();
            a.outputs().add(Y);
            mg.addNode(a);
        }
        mg.outputs().add(new ValueInfo(Y, DType.FLOAT, null));
        Executor exec = new Executor(mg, prepared.opsets(), OpRegistry.standard());
        String output = act == null ? n.output(0) : act.output(0);
        return new LayerProbe(w.node(), n.input(0), w.initializer(), w.channelAxis(), output, bias, biasQuantized,
                !n.opType().equals("Conv"), exec);
    }

    /** The Relu/Clip whose output the planner quantizes instead of {@code n}'s, or null. */
    static Node fusedActivation(Graph g, QuantPlan plan, Node n) {
        String out = n.output(0);
        List<Node> consumers = g.consumers(out);
        if (consumers.size() != 1 || plan.activations().contains(out)) {
            return null;
        }
        Node c = consumers.get(0);
        boolean act = c.opType().equals("Relu") || c.opType().equals("Clip");
        return act && plan.activations().contains(c.output(0)) ? c : null;
    }

    /** The layer's float output for input {@code x}, (fake-quantized) weight {@code w} and bias {@code b} (may be null). */
    Tensor run(Tensor x, Tensor w, Tensor b) {
        Map<String, Tensor> in = new HashMap<>();
        in.put(X, x);
        in.put(W, w);
        if (bias != null) {
            in.put(B, b);
        }
        return exec.run(in).get(Y);
    }

    /**
     * The bias as the QDQ model stores it: {@code q = rint(b / (sIn · sW_c))} as int32, read back
     * as {@code float(q) · (sIn · sW_c)}; unchanged when the planner keeps it float.
     */
    Tensor quantizedBias(Tensor b, QuantParams in, QuantParams w) {
        if (b == null || !biasQuantized) {
            return b;
        }
        int c = b.size();
        float[] out = new float[c];
        for (int i = 0; i < c; i++) {
            float ws = w.scales()[w.scales().length == 1 ? 0 : i];
            float s = in.scales()[0] * ws;
            double q = Math.rint(b.getDouble(i) / s);
            int qi = (int) Math.max(Integer.MIN_VALUE, Math.min(Integer.MAX_VALUE, q));
            out[i] = (float) qi * s;
        }
        return Tensor.of(out, b.shape());
    }
}
