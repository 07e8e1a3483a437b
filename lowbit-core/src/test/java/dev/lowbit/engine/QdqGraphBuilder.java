package dev.lowbit.engine;

import dev.lowbit.onnx.Attribute;
import dev.lowbit.onnx.Graph;
import dev.lowbit.onnx.Model;
import dev.lowbit.onnx.Node;
import dev.lowbit.onnx.ValueInfo;
import dev.lowbit.tensor.DType;
import dev.lowbit.tensor.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/** Builds small QDQ models the way exporters write them: QuantizeLinear/DequantizeLinear around float ops. */
final class QdqGraphBuilder {
    private final Graph g = new Graph("qdq");
    private final Random r;
    private final DType type;
    private int id;

    /** Activations of {@code type} (uint8 or int8); weights are int8. */
    QdqGraphBuilder(DType type, long seed) {
        this.type = type;
        this.r = new Random(seed);
    }

    String input(String name, int... shape) {
        g.inputs().add(ValueInfo.of(name, DType.FLOAT, shape));
        return name;
    }

    /** An input whose leading dimensions are symbolic (batch, sequence), as transformer exports declare them. */
    String dynamicInput(String name, int... trailing) {
        List<ValueInfo.Dim> dims = new ArrayList<>(List.of(ValueInfo.Dim.symbolic("batch"), ValueInfo.Dim.symbolic("sequence")));
        for (int d : trailing) {
            dims.add(ValueInfo.Dim.of(d));
        }
        g.inputs().add(new ValueInfo(name, DType.FLOAT, dims));
        return name;
    }

    private String constant(Tensor t) {
        String n = "c" + id++;
        g.setInitializer(n, t);
        return n;
    }

    private Tensor zeroPoint(DType t, int v) {
        Tensor z = Tensor.zeros(t);
        z.bytes()[0] = (byte) v;
        return z;
    }

    String node(String op, List<String> inputs, Attribute... attrs) {
        String out = op.toLowerCase() + id++;
        Node n = new Node(op, "n_" + out, new ArrayList<>(inputs), List.of(out));
        for (Attribute a : attrs) {
            n.set(a);
        }
        g.addNode(n);
        return out;
    }

    /** A random zero point in the lower half of the type's range (activations are mostly positive). */
    int zeroPoint() {
        return type == DType.UINT8 ? r.nextInt(128) : -128 + r.nextInt(128);
    }

    /** QuantizeLinear then DequantizeLinear of {@code x} with the given activation scale and zero point. */
    String qdq(String x, float scale, int zp) {
        String s = constant(Tensor.scalar(scale));
        String z = constant(zeroPoint(type, zp));
        String q = node("QuantizeLinear", List.of(x, s, z));
        return node("DequantizeLinear", List.of(q, s, z));
    }

    /** qdq with a random scale in [lo, hi) and a random zero point. */
    String qdq(String x, float lo, float hi) {
        return qdq(x, lo + r.nextFloat() * (hi - lo), zeroPoint());
    }

    /** Per-output-channel int8 weights [m, c, k...] (symmetric) behind a DequantizeLinear. */
    String weights(int... shape) {
        Tensor w = Tensor.zeros(DType.INT8, shape);
        for (int i = 0; i < w.size(); i++) {
            w.bytes()[i] = (byte) (r.nextInt(127) - 63);
        }
        float[] s = new float[shape[0]];
        for (int i = 0; i < s.length; i++) {
            s[i] = 0.004f + 0.004f * r.nextFloat();
        }
        Node dq = new Node("DequantizeLinear", "dq" + id, List.of(constant(w), constant(Tensor.of(s, shape[0])),
                constant(Tensor.zeros(DType.INT8, shape[0]))), List.of("w" + id));
        dq.set(Attribute.ofInt("axis", 0));
        g.addNode(dq);
        return "w" + id++;
    }

    /** Int8 MatMul weights [k, n] (symmetric) with one scale per column (axis 1), behind a DequantizeLinear. */
    String matMulWeights(int k, int n) {
        Tensor w = Tensor.zeros(DType.INT8, k, n);
        for (int i = 0; i < w.size(); i++) {
            w.bytes()[i] = (byte) (r.nextInt(255) - 127);
        }
        float[] s = new float[n];
        for (int i = 0; i < n; i++) {
            s[i] = 0.004f + 0.004f * r.nextFloat();
        }
        Node dq = new Node("DequantizeLinear", "dq" + id, List.of(constant(w), constant(Tensor.of(s, n)),
                constant(Tensor.zeros(DType.INT8, n))), List.of("w" + id));
        dq.set(Attribute.ofInt("axis", 1));
        g.addNode(dq);
        return "w" + id++;
    }

    /** An int32 bias with scale x_scale * w_scale, as exporters write it, behind a DequantizeLinear. */
    String bias(int m) {
        int[] b = new int[m];
        float[] s = new float[m];
        for (int i = 0; i < m; i++) {
            b[i] = r.nextInt(2001) - 1000;
            s[i] = 0.0002f;
        }
        Node dq = new Node("DequantizeLinear", "dqb" + id, List.of(constant(Tensor.of(b, m)), constant(Tensor.of(s, m)),
                constant(Tensor.zeros(DType.INT32, m))), List.of("b" + id));
        dq.set(Attribute.ofInt("axis", 0));
        g.addNode(dq);
        return "b" + id++;
    }

    String conv(String x, int in, int out, int k) {
        int p = k / 2;
        return node("Conv", List.of(x, weights(out, in, k, k), bias(out)), Attribute.ofInts("pads", p, p, p, p));
    }

    /** A float initializer, e.g. Clip bounds or a Reshape shape. */
    String floats(float... v) {
        return constant(v.length == 1 ? Tensor.scalar(v[0]) : Tensor.of(v, v.length));
    }

    String longs(long... v) {
        return constant(Tensor.of(v, v.length));
    }

    /** The model with {@code outputs} as float graph outputs, opset 13. */
    Model model(String... outputs) {
        for (String o : outputs) {
            g.outputs().add(new ValueInfo(o, DType.FLOAT, null));
        }
        Model m = new Model(g);
        m.opsets().put("", 13L);
        return m;
    }

    /** Random inputs in [lo, hi). */
    Tensor floats(float lo, float hi, int... shape) {
        float[] v = new float[Arrays.stream(shape).reduce(1, (a, b) -> a * b)];
        for (int i = 0; i < v.length; i++) {
            v[i] = lo + r.nextFloat() * (hi - lo);
        }
        return Tensor.of(v, shape);
    }
}
