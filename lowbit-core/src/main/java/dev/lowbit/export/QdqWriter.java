package dev.lowbit.export;

import dev.lowbit.LowbitException;
import dev.lowbit.onnx.Attribute;
import dev.lowbit.onnx.Graph;
import dev.lowbit.onnx.Model;
import dev.lowbit.onnx.Node;
import dev.lowbit.quant.QuantPlan;
import dev.lowbit.tensor.DType;
import dev.lowbit.tensor.Tensor;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Writes a QDQ model: a QuantizeLinear/DequantizeLinear pair after every planned activation,
 * weights stored as integer initializers read through DequantizeLinear (per-channel scales along
 * the output-channel axis), biases as int32 with scale = input scale × weight scale. This is the
 * format ONNX Runtime and TensorRT fuse into integer kernels.
 */
public final class QdqWriter {
    private QdqWriter() {
    }

    /**
     * Returns a new model (the input is not modified) with quantizers inserted per {@code plan}.
     * {@code activationParams} gives each calibrated activation's parameters; {@code weightParams}
     * computes a weight's parameters from its float values and channel axis.
     */
    public static Model write(Model floatModel, QuantPlan plan, Function<String, QdqParams> activationParams,
                              WeightQuantizer weightQuantizer) {
        Model m = floatModel.copy();
        Graph g = m.graph();
        Map<String, QdqParams> weightQ = new HashMap<>();
        for (QuantPlan.Weight w : plan.weights()) {
            Node n = planned(g, w.node());
            String dq = weightQ.containsKey(w.initializer()) ? w.initializer() + "_dequantized"
                    : insertWeight(g, n, w.initializer(), w.channelAxis(), weightQuantizer, weightQ);
            n.inputs().set(w.inputIndex(), dq);
        }
        boolean perAxis = weightQ.values().stream().anyMatch(QdqParams::perChannel);
        long opset = Math.max(m.opset(), perAxis ? 13 : 10);
        if (m.opset() < 13 && opset >= 13) {
            throw new LowbitException("per-channel quantization needs opset 13 or newer; the model has opset "
                    + m.opset() + " (use --per-tensor, or re-export the model with opset >= 13)");
        }
        Map<String, QdqParams> actParams = new HashMap<>();
        for (String a : plan.activations()) {
            QdqParams p = activationParams.apply(plan.paramsSource(a));
            if (p == null) {
                throw new LowbitException("no calibration result for activation '" + a + "'");
            }
            actParams.put(a, p);
        }
        for (QuantPlan.Bias b : plan.biases()) {
            Node n = planned(g, b.node());
            QdqParams in = actParams.get(b.activation());
            QdqParams wp = weightQ.get(b.weight());
            if (in == null || wp == null) {
                continue;
            }
            n.inputs().set(b.inputIndex(), insertBias(g, n, b.initializer(), in, wp));
        }
        for (String a : plan.activations()) {
            insertActivation(g, a, actParams.get(a), plan.readers().get(a));
        }
        g.removeUnusedInitializers();
        g.valueInfos().clear();
        sortTopologically(g);
        m.opsets().put("", opset);
        m.setProducer("lowbit", "0.1.0");
        return m;
    }

    /** Computes integer values and parameters for a float weight. */
    @FunctionalInterface
    public interface WeightQuantizer {
        /** Returns the quantized tensor (INT8/UINT8/INT16...) and its parameters. */
        QuantizedWeight quantize(String name, Tensor weight, int channelAxis);
    }

    /** A quantized weight: integer values and their parameters. */
    public record QuantizedWeight(Tensor values, QdqParams params) {
    }

    private static Node planned(Graph g, String key) {
        Node n = g.node(key);
        if (n == null) {
            throw new IllegalStateException("planned node " + key + " not found");
        }
        return n;
    }

    private static String insertWeight(Graph g, Node consumer, String init, int axis, WeightQuantizer wq,
                                       Map<String, QdqParams> done) {
        Tensor w = g.initializer(init);
        QuantizedWeight q = wq.quantize(init, w, axis);
        String qName = g.uniqueName(init + "_quantized");
        g.setInitializer(qName, q.values());
        String dq = g.uniqueName(init + "_dequantized");
        Node node = dequantize(g, init, qName, q.params(), dq);
        g.insertBefore(consumer, node);
        done.put(init, q.params());
        return dq;
    }

    private static String insertBias(Graph g, Node consumer, String init, QdqParams in, QdqParams w) {
        Tensor b = g.initializer(init);
        int c = b.size();
        float[] scales = new float[c];
        int[] values = new int[c];
        for (int i = 0; i < c; i++) {
            float ws = w.scales()[w.scales().length == 1 ? 0 : i];
            scales[i] = in.scales()[0] * ws;
            double q = Math.rint(b.getDouble(i) / scales[i]);
            values[i] = (int) Math.max(Integer.MIN_VALUE, Math.min(Integer.MAX_VALUE, q));
        }
        // One scale when the weight has one: an opset-10 DequantizeLinear takes no axis.
        boolean perAxis = w.perChannel() && c > 1;
        QdqParams p = perAxis ? new QdqParams(scales, new int[c], 0, DType.INT32)
                : new QdqParams(new float[] {scales[0]}, new int[1], -1, DType.INT32);
        String qName = g.uniqueName(init + "_quantized");
        g.setInitializer(qName, Tensor.of(values, b.shapeRef()));
        String dq = g.uniqueName(init + "_dequantized");
        g.insertBefore(consumer, dequantize(g, init, qName, p, dq));
        return dq;
    }

    /** Inserts Q/DQ after {@code a}; the DQ output feeds the nodes named in {@code readers} (null = every reader). */
    private static void insertActivation(Graph g, String a, QdqParams p, java.util.Set<String> readers) {
        Node producer = g.producer(a);
        String scale = g.uniqueName(a + "_scale");
        String zp = g.uniqueName(a + "_zero_point");
        g.setInitializer(scale, scaleTensor(p));
        g.setInitializer(zp, zeroPointTensor(p));
        List<Node> consumers = g.consumers(a);
        if (readers != null) {
            consumers = consumers.stream().filter(c -> readers.contains(c.key())).toList();
        }
        String src = a;
        String dqOut;
        if (g.isGraphOutput(a) && producer != null && readers == null) {
            // Keep the graph's output name: the producer writes a float twin, DQ writes the name.
            src = g.uniqueName(a + "_float");
            producer.outputs().set(producer.outputs().indexOf(a), src);
            dqOut = a;
            consumers = List.of();
        } else {
            dqOut = g.uniqueName(a + "_dequantized");
        }
        String q = g.uniqueName(a + "_quantized");
        Node clip = null;
        if (p.narrowerThanStorage() && !p.perChannel()) {
            // QuantizeLinear saturates to its storage type only; a sub-byte grid needs an explicit clamp,
            // which rounds to the same codes: clip(x) / s lands exactly on the grid's end points.
            float s0 = p.scales()[0];
            String lo = g.uniqueName(a + "_clip_min");
            String hi = g.uniqueName(a + "_clip_max");
            g.setInitializer(lo, Tensor.of(new float[] {s0 * (p.qmin() - p.zeroPoints()[0])}));
            g.setInitializer(hi, Tensor.of(new float[] {s0 * (p.qmax() - p.zeroPoints()[0])}));
            String clipped = g.uniqueName(a + "_clipped");
            clip = new Node("Clip", g.uniqueName(a + "_Clip"), List.of(src, lo, hi), List.of(clipped));
            src = clipped;
        }
        Node qn = new Node("QuantizeLinear", g.uniqueName(a + "_QuantizeLinear"), List.of(src, scale, zp), List.of(q));
        Node dqn = new Node("DequantizeLinear", g.uniqueName(a + "_DequantizeLinear"), List.of(q, scale, zp), List.of(dqOut));
        for (Node c : consumers) {
            List<String> in = c.inputs();
            for (int i = 0; i < in.size(); i++) {
                if (in.get(i).equals(a)) {
                    in.set(i, dqOut);
                }
            }
        }
        if (producer == null) {
            g.nodes().add(0, dqn);
            g.nodes().add(0, qn);
            if (clip != null) {
                g.nodes().add(0, clip);
            }
        } else {
            g.insertAfter(producer, dqn);
            g.insertAfter(producer, qn);
            if (clip != null) {
                g.insertAfter(producer, clip);
            }
        }
    }

    private static Node dequantize(Graph g, String base, String qName, QdqParams p, String out) {
        String scale = g.uniqueName(base + "_scale");
        String zp = g.uniqueName(base + "_zero_point");
        g.setInitializer(scale, scaleTensor(p));
        g.setInitializer(zp, zeroPointTensor(p));
        Node n = new Node("DequantizeLinear", g.uniqueName(base + "_DequantizeLinear"), List.of(qName, scale, zp), List.of(out));
        if (p.perChannel()) {
            n.set(Attribute.ofInt("axis", Math.max(0, p.axis())));
        }
        return n;
    }

    static Tensor scaleTensor(QdqParams p) {
        return p.perChannel() ? Tensor.of(p.scales().clone(), p.scales().length) : Tensor.of(new float[] {p.scales()[0]});
    }

    static Tensor zeroPointTensor(QdqParams p) {
        int n = p.zeroPoints().length;
        int[] shape = p.perChannel() ? new int[] {n} : new int[0];
        Tensor t = Tensor.zeros(p.type(), shape);
        for (int i = 0; i < n; i++) {
            t.setLong(i, p.zeroPoints()[i]);
        }
        return t;
    }

    /** Reorders the node list topologically, as ONNX requires of a file. */
    public static void sortTopologically(Graph g) {
        List<Node> order = g.topologicalOrder();
        g.nodes().clear();
        g.nodes().addAll(order);
    }
}
