package dev.lowbit.ops;

import dev.lowbit.exec.OpContext;
import dev.lowbit.exec.OpRegistry;
import dev.lowbit.onnx.Attribute;
import dev.lowbit.onnx.Node;
import dev.lowbit.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;

/** Builds a one-node op from the standard registry and runs it. */
final class OpTestSupport {
    private OpTestSupport() {
    }

    /** Runs {@code opType} at {@code opset}; null inputs are absent optional inputs. */
    static Tensor[] run(String opType, int opset, Tensor[] inputs, int outputs, Attribute... attrs) {
        List<String> in = new ArrayList<>();
        for (int i = 0; i < inputs.length; i++) {
            in.add(inputs[i] == null ? "" : "in" + i);
        }
        List<String> out = new ArrayList<>();
        for (int i = 0; i < outputs; i++) {
            out.add("out" + i);
        }
        Node node = new Node(opType, "test", in, out);
        for (Attribute a : attrs) {
            node.set(a);
        }
        return OpRegistry.standard().create(new OpContext(node, opset, null)).run(inputs);
    }

    static double[] values(Tensor t) {
        double[] v = new double[t.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = t.getDouble(i);
        }
        return v;
    }

    static float[] random(java.util.Random rnd, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) rnd.nextGaussian();
        }
        return v;
    }

    static double[] widen(float[] v) {
        double[] out = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = v[i];
        }
        return out;
    }
}
