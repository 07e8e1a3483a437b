package dev.lowbit.ptq;

import dev.lowbit.onnx.Graph;
import dev.lowbit.onnx.Node;
import dev.lowbit.tensor.DType;
import dev.lowbit.tensor.Tensor;

/** Small graph queries and edits shared by equalization, absorption and bias correction. */
final class LayerGraph {
    private LayerGraph() {
    }

    /** The value of a constant input: an initializer or the output of a Constant node; else null. */
    static Tensor constant(Graph g, String value) {
        return g.constant(value);
    }

    /** {min, max} of a Clip with constant bounds (missing bounds are ±∞), or null when a bound is computed. */
    static double[] clipBounds(Graph g, Node clip) {
        return g.clipBounds(clip);
    }

    /** The float weight of a Conv/Gemm read by this node alone, or null. */
    static Tensor ownWeight(Graph g, Node n) {
        if (!n.hasInput(1)) {
            return null;
        }
        Tensor w = g.initializer(n.input(1));
        if (w == null || w.dtype() != DType.FLOAT || g.consumers(n.input(1)).size() != 1) {
            return null;
        }
        return w;
    }

    /** True when the node's bias is absent, or a float initializer of {@code channels} values read by this node alone. */
    static boolean ownBiasOrNone(Graph g, Node n, int channels) {
        if (!n.hasInput(2)) {
            return true;
        }
        Tensor b = g.initializer(n.input(2));
        return b != null && b.dtype() == DType.FLOAT && b.size() == channels && b.rank() == 1
                && g.consumers(n.input(2)).size() == 1;
    }

    /** The node's bias as doubles (zeros when absent). */
    static double[] bias(Graph g, Node n, int channels) {
        double[] b = new double[channels];
        if (n.hasInput(2)) {
            Tensor t = g.initializer(n.input(2));
            for (int c = 0; c < channels; c++) {
                b[c] = t.getDouble(c);
            }
        }
        return b;
    }

    /** Writes {@code b} as the node's bias, creating the initializer and input when the node had none. */
    static void setBias(Graph g, Node n, double[] b) {
        String name = n.hasInput(2) ? n.input(2) : g.uniqueName(n.input(1) + "_bias");
        g.setInitializer(name, Tensor.of(toFloats(b), b.length));
        while (n.inputs().size() < 3) {
            n.inputs().add("");
        }
        n.inputs().set(2, name);
    }

    static double[] toDoubles(Tensor t) {
        double[] d = new double[t.size()];
        for (int i = 0; i < d.length; i++) {
            d[i] = t.getDouble(i);
        }
        return d;
    }

    static float[] toFloats(double[] d) {
        float[] f = new float[d.length];
        for (int i = 0; i < d.length; i++) {
            f[i] = (float) d[i];
        }
        return f;
    }

    /** True when a Conv pads its input (its border outputs see zeros that a shifted input would not). */
    static boolean padded(Node n) {
        if (!n.opType().equals("Conv")) {
            return false;
        }
        String autoPad = n.getString("auto_pad", "NOTSET");
        if (autoPad.equals("SAME_UPPER") || autoPad.equals("SAME_LOWER")) {
            return true;
        }
        for (long p : n.getInts("pads", new long[0])) {
            if (p != 0) {
                return true;
            }
        }
        return false;
    }

    /** The Gemm factor alpha/beta a bias must absorb (1 for Conv); NaN when beta is 0. */
    static double biasFactor(Node n) {
        if (!n.opType().equals("Gemm")) {
            return 1;
        }
        double beta = n.getFloat("beta", 1f);
        return beta == 0 ? Double.NaN : n.getFloat("alpha", 1f) / beta;
    }
}
