package dev.lowbit.grad;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lowbit.onnx.Attribute;
import dev.lowbit.onnx.Graph;
import dev.lowbit.onnx.Node;
import dev.lowbit.onnx.ValueInfo;
import dev.lowbit.tensor.DType;
import dev.lowbit.tensor.Tensor;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * Checks one op's backward rule against central finite differences of the scalar L = Σ r·y over its
 * outputs (r fixed random weights). The forward runs in float, so eps = 1e-2 and the tolerance is
 * |analytic − numeric| ≤ 1e-3 + 5e-3·max(|analytic|, |numeric|): rounding noise in L is ~1e-6, i.e.
 * ~5e-5 after dividing by 2·eps, and the O(eps²) truncation error is ~1e-5 for these smooth inputs.
 */
final class GradCheck {
    static final double EPS = 1e-2, ATOL = 1e-3, RTOL = 5e-3;

    private final String op;
    private final int opset;
    private final List<Attribute> attrs = new ArrayList<>();
    private final List<String> inputNames = new ArrayList<>();
    private final Map<String, Tensor> feeds = new LinkedHashMap<>();
    private final Map<String, Tensor> constants = new LinkedHashMap<>();
    private int outputs = 1;
    private boolean training;

    private GradCheck(String op, int opset) {
        this.op = op;
        this.opset = opset;
    }

    static GradCheck of(String op, int opset) {
        return new GradCheck(op, opset);
    }

    GradCheck attr(Attribute a) {
        attrs.add(a);
        return this;
    }

    /** A differentiable input. */
    GradCheck in(Tensor t) {
        String name = "x" + inputNames.size();
        inputNames.add(name);
        feeds.put(name, t);
        return this;
    }

    /** A constant input (an initializer, not differentiated). */
    GradCheck constant(Tensor t) {
        String name = "c" + inputNames.size();
        inputNames.add(name);
        constants.put(name, t);
        return this;
    }

    GradCheck none() {
        inputNames.add("");
        return this;
    }

    GradCheck outputs(int n) {
        outputs = n;
        return this;
    }

    GradCheck training() {
        training = true;
        return this;
    }

    Tape tape() {
        Graph g = new Graph("check");
        List<String> outs = new ArrayList<>();
        for (int i = 0; i < outputs; i++) {
            outs.add("y" + i);
            g.outputs().add(new ValueInfo("y" + i, null, null));
        }
        Node n = new Node(op, "n", inputNames, outs);
        attrs.forEach(n::set);
        g.addNode(n);
        feeds.forEach((k, v) -> g.inputs().add(ValueInfo.of(k, v.dtype(), v.shape())));
        constants.forEach(g::setInitializer);
        return new Tape(g, Map.of("", (long) opset), Set.of(), GradRegistry.standard(), training);
    }

    /** Runs the check; returns the largest absolute deviation seen. */
    double check() {
        Tape tape = tape();
        Map<String, Tensor> y = tape.forward(feeds);
        Random rng = new Random(99);
        Map<String, Tensor> seeds = new LinkedHashMap<>();
        y.forEach((k, v) -> seeds.put(k, GradCheckTest.random(rng, v.shape())));
        Map<String, Tensor> analytic = tape.backward(seeds, feeds.keySet());
        double worst = 0;
        Random pick = new Random(7);
        for (Map.Entry<String, Tensor> e : feeds.entrySet()) {
            if (e.getValue().dtype() != DType.FLOAT) {
                continue;
            }
            float[] x = e.getValue().floats();
            float[] a = analytic.get(e.getKey()).floats();
            int probes = Math.min(x.length, 48);
            for (int p = 0; p < probes; p++) {
                int i = x.length <= 48 ? p : pick.nextInt(x.length);
                float keep = x[i];
                x[i] = (float) (keep + EPS);
                double plus = loss(tape, seeds);
                x[i] = (float) (keep - EPS);
                double minus = loss(tape, seeds);
                x[i] = keep;
                double numeric = (plus - minus) / (2 * EPS);
                double dev = Math.abs(a[i] - numeric);
                worst = Math.max(worst, dev);
                assertTrue(dev <= ATOL + RTOL * Math.max(Math.abs(a[i]), Math.abs(numeric)),
                        op + " d/d" + e.getKey() + "[" + i + "]: analytic " + a[i] + " numeric " + numeric);
            }
        }
        return worst;
    }

    private double loss(Tape tape, Map<String, Tensor> seeds) {
        Map<String, Tensor> y = tape.forward(feeds);
        double l = 0;
        for (Map.Entry<String, Tensor> e : seeds.entrySet()) {
            float[] r = e.getValue().floats(), v = y.get(e.getKey()).floats();
            for (int i = 0; i < r.length; i++) {
                l += (double) r[i] * v[i];
            }
        }
        return l;
    }
}
