package dev.lowbit.ptq;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lowbit.testutil.TestResources;
import dev.lowbit.exec.Executor;
import dev.lowbit.onnx.Attribute;
import dev.lowbit.onnx.Graph;
import dev.lowbit.onnx.Model;
import dev.lowbit.onnx.ModelIO;
import dev.lowbit.onnx.Node;
import dev.lowbit.onnx.ValueInfo;
import dev.lowbit.tensor.DType;
import dev.lowbit.tensor.Tensor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

public class CrossLayerEqualizationTest {
    /**
     * x[N,3,6,6] -> Conv 1x1 (8) -> act -> depthwise 3x3 pad 1 (8) -> act -> Conv 1x1 (4) -> Relu
     * -> Flatten -> Gemm (16, transB=1) -> Relu -> Gemm (5, transB=0). Channel scales vary by e^±2
     * so the ranges are badly unbalanced. {@code clip} makes the first two activations Clip(0, 6).
     */
    static Model chainModel(long seed, boolean clip) {
        Random r = new Random(seed);
        Graph g = new Graph("chain");
        g.inputs().add(ValueInfo.of("x", DType.FLOAT, -1, 3, 6, 6));
        g.outputs().add(ValueInfo.of("y", DType.FLOAT, -1, 5));
        g.setInitializer("w1", weight(r, 8, 3, 1, 1));
        g.setInitializer("b1", vector(r, 8, 0.5));
        g.setInitializer("w2", weight(r, 8, 1, 3, 3));
        g.setInitializer("b2", vector(r, 8, 0.5));
        g.setInitializer("w3", weight(r, 4, 8, 1, 1));
        g.setInitializer("b3", vector(r, 4, 0.5));
        g.setInitializer("w4", weight(r, 16, 144));
        g.setInitializer("b4", vector(r, 16, 0.5));
        g.setInitializer("w5", weight(r, 16, 5)); // [K, N]: transB = 0
        g.setInitializer("b5", vector(r, 5, 0.5));
        g.addNode(new Node("Conv", "expand", List.of("x", "w1", "b1"), List.of("h1")));
        activation(g, clip, "act1", "h1", "a1");
        g.addNode(new Node("Conv", "dw", List.of("a1", "w2", "b2"), List.of("h2"))
                .set(Attribute.ofInt("group", 8)).set(Attribute.ofInts("pads", 1, 1, 1, 1)));
        activation(g, clip, "act2", "h2", "a2");
        g.addNode(new Node("Conv", "project", List.of("a2", "w3", "b3"), List.of("h3")));
        g.addNode(new Node("Relu", "act3", List.of("h3"), List.of("a3")));
        g.addNode(new Node("Flatten", "flat", List.of("a3"), List.of("f")));
        g.addNode(new Node("Gemm", "fc1", List.of("f", "w4", "b4"), List.of("h4")).set(Attribute.ofInt("transB", 1)));
        g.addNode(new Node("Relu", "act4", List.of("h4"), List.of("a4")));
        g.addNode(new Node("Gemm", "fc2", List.of("a4", "w5", "b5"), List.of("y")));
        Model m = new Model(g);
        m.opsets().put("", 13L);
        return m;
    }

    private static void activation(Graph g, boolean clip, String name, String in, String out) {
        if (!clip) {
            g.addNode(new Node("Relu", name, List.of(in), List.of(out)));
            return;
        }
        g.addNode(new Node("Constant", name + "_lo", List.of(), List.of(name + "_lo"))
                .set(Attribute.ofTensor("value", Tensor.of(new float[] {0f}))));
        g.addNode(new Node("Constant", name + "_hi", List.of(), List.of(name + "_hi"))
                .set(Attribute.ofTensor("value", Tensor.of(new float[] {6f}))));
        g.addNode(new Node("Clip", name, List.of(in, name + "_lo", name + "_hi"), List.of(out)));
    }

    /** Gaussian weights whose first-axis slices are scaled by e^u, u uniform in [-2, 2]. */
    static Tensor weight(Random r, int... shape) {
        Tensor t = Tensor.zeros(DType.FLOAT, shape);
        float[] d = t.floats();
        int inner = d.length / shape[0];
        for (int o = 0; o < shape[0]; o++) {
            double s = Math.exp(4 * r.nextDouble() - 2) / Math.sqrt(inner);
            for (int i = 0; i < inner; i++) {
                d[o * inner + i] = (float) (r.nextGaussian() * s);
            }
        }
        return t;
    }

    static Tensor vector(Random r, int n, double scale) {
        float[] d = new float[n];
        for (int i = 0; i < n; i++) {
            d[i] = (float) (r.nextGaussian() * scale);
        }
        return Tensor.of(d, n);
    }

    static Tensor input(long seed, int... shape) {
        Random r = new Random(seed);
        Tensor t = Tensor.zeros(DType.FLOAT, shape);
        float[] d = t.floats();
        for (int i = 0; i < d.length; i++) {
            d[i] = (float) r.nextGaussian();
        }
        return t;
    }

    static double maxRelativeDiff(Tensor a, Tensor b) {
        double scale = 0;
        double diff = 0;
        for (int i = 0; i < a.size(); i++) {
            scale = Math.max(scale, Math.abs(a.getDouble(i)));
            diff = Math.max(diff, Math.abs(a.getDouble(i) - b.getDouble(i)));
        }
        return diff / Math.max(scale, 1e-12);
    }

    private static Tensor run(Model m, Tensor x) {
        return new Executor(m).run(Map.of("x", x)).get("y");
    }

    @Test
    void equalizationLeavesTheReluNetworkUnchanged() {
        Model m = chainModel(1, false);
        Tensor x = input(2, 4, 3, 6, 6);
        Tensor before = run(m, x);
        CrossLayerEqualization.Result r = CrossLayerEqualization.apply(m.graph(),
                CrossLayerEqualization.Options.defaults().withAbsorbBias(false), BatchNormStats.none());
        assertEquals(3, r.pairs(), "expand->dw, dw->project, fc1->fc2");
        assertTrue(r.lastMaxChange() < 1e-8, "converged: " + r);
        assertTrue(maxRelativeDiff(before, run(m, x)) < 1e-4);
    }

    @Test
    void equalizedRangesMeetAtTheFixedPoint() {
        Model m = chainModel(3, false);
        Graph g = m.graph();
        double[] r1 = ranges(g, "fc1", true);
        double[] r2 = ranges(g, "fc2", false);
        CrossLayerEqualization.apply(g, CrossLayerEqualization.Options.defaults().withAbsorbBias(false), BatchNormStats.none());
        // Every pair: W1's output-channel range equals W2's input-channel range.
        for (String[] p : new String[][] {{"expand", "dw"}, {"dw", "project"}, {"fc1", "fc2"}}) {
            double[] a = ranges(g, p[0], true);
            double[] b = ranges(g, p[1], false);
            for (int i = 0; i < a.length; i++) {
                assertEquals(a[i], b[i], 1e-5 * a[i], p[0] + "->" + p[1] + " channel " + i);
            }
        }
        // An isolated pair lands on sqrt(r1 * r2) in one step.
        double[] eq = ranges(g, "fc1", true);
        for (int i = 0; i < eq.length; i++) {
            assertEquals(Math.sqrt(r1[i] * r2[i]), eq[i], 1e-5 * eq[i]);
        }
        // The depthwise layer's channel i is one slice: its in and out ranges are the same numbers.
        assertEquals(ranges(g, "dw", true)[3], ranges(g, "dw", false)[3], 0);
    }

    @Test
    void relu6IsReplacedOnlyWhenAsked() {
        Model m = chainModel(4, true);
        assertEquals(1, CrossLayerEqualization.findPairs(m.graph(), false).size(), "only fc1->fc2 without Clip");
        CrossLayerEqualization.Result r = CrossLayerEqualization.apply(m.graph(),
                CrossLayerEqualization.Options.defaults().withAbsorbBias(false), BatchNormStats.none());
        assertEquals(3, r.pairs());
        assertEquals(2, r.relu6Replaced());
        assertTrue(m.graph().nodes().stream().noneMatch(n -> n.opType().equals("Clip") || n.opType().equals("Constant")));
    }

    @Test
    void absorptionKeepsOutputsWhenTheShiftStaysBelowThePreActivations() {
        Model m = chainModel(5, false);
        Graph g = m.graph();
        // Raise "dw"'s biases so its pre-activation h2 is at least 1 everywhere on this input.
        Tensor x = input(6, 8, 3, 6, 6);
        double[] min0 = channelMin(new Executor(m).run(Map.of("x", x), (n, v) -> v, java.util.Set.of("h2")).get("h2"));
        float[] b2 = g.initializer("b2").floats();
        for (int i = 0; i < b2.length; i++) {
            b2[i] += (float) (1 - min0[i]);
        }
        Map<String, Tensor> all = new Executor(m).run(Map.of("x", x), (n, v) -> v, java.util.Set.of("h2", "y"));
        Tensor h2 = all.get("h2");
        double[] min = channelMin(h2);
        // BN statistics consistent with that: mean − 3σ = min, so c = min (> 0).
        BatchNormStats stats = BatchNormStats.none();
        double[] mean = new double[8];
        double[] std = new double[8];
        for (int c = 0; c < 8; c++) {
            assertTrue(min[c] > 0);
            std[c] = 0.1;
            mean[c] = min[c] + 0.3;
        }
        stats.put("h2", new BatchNormStats.Gaussian(mean, std));
        double[] biasBefore = LayerGraph.toDoubles(g.initializer("b3"));
        CrossLayerEqualization.Result r = CrossLayerEqualization.apply(g, CrossLayerEqualization.Options.defaults(), stats);
        assertNotNull(r.absorption());
        assertEquals(1, r.absorption().pairs(), "dw->project (1x1, no padding); expand->dw is padded: " + r);
        assertEquals(8, r.absorption().channels());
        double d = maxRelativeDiff(all.get("y"), run(m, x));
        assertTrue(d < 1e-4, "relative difference " + d);
        // The statistics follow the shift: the new mean − 3σ is 0.
        for (int c = 0; c < 8; c++) {
            assertEquals(0, stats.get("h2").mean()[c] - 3 * stats.get("h2").std()[c], 1e-9);
        }
        assertTrue(!java.util.Arrays.equals(biasBefore, LayerGraph.toDoubles(g.initializer("b3"))));
    }

    @Test
    void resNetFixtureKeepsItsOutputs() throws Exception {
        Path p = TestResources.of("models/resnet_fmnist.onnx");
        Assumptions.assumeTrue(Files.exists(p), "fixture not present");
        Model m = PostTrainingQuantizer.prepare(ModelIO.load(p));
        Model e = m.copy();
        BatchNormStats stats = BatchNormStats.capture(ModelIO.load(p));
        CrossLayerEqualization.Result r = CrossLayerEqualization.apply(e.graph(),
                CrossLayerEqualization.Options.defaults().withAbsorbBias(false), stats);
        assertTrue(r.pairs() >= 3, r.toString());
        Tensor x = input(7, 4, 1, 28, 28);
        String in = m.graph().inputs().get(0).name();
        Tensor a = new Executor(m).run(Map.of(in, x)).values().iterator().next();
        Tensor b = new Executor(e).run(Map.of(in, x)).values().iterator().next();
        assertTrue(maxRelativeDiff(a, b) < 1e-4);
    }

    private static double[] channelMin(Tensor t) {
        int c = t.dim(1);
        int inner = t.size() / (t.dim(0) * c);
        double[] m = new double[c];
        java.util.Arrays.fill(m, Double.POSITIVE_INFINITY);
        for (int i = 0; i < t.size(); i++) {
            int ch = (i / inner) % c;
            m[ch] = Math.min(m[ch], t.getDouble(i));
        }
        return m;
    }

    /** max |w| per output channel (out) or per input channel of the named layer's weight. */
    static double[] ranges(Graph g, String node, boolean out) {
        Node n = g.node(node);
        Tensor w = g.initializer(n.input(1));
        WeightChannels l = WeightChannels.of(n, w);
        double[] d = LayerGraph.toDoubles(w);
        int[][] idx = out ? l.out : l.in;
        double[] r = new double[idx.length];
        for (int i = 0; i < idx.length; i++) {
            r[i] = WeightChannels.maxAbs(d, idx[i]);
        }
        return r;
    }
}
