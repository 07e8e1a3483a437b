package dev.lowbit.ptq;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lowbit.data.Dataset;
import dev.lowbit.data.DatasetOptions;
import dev.lowbit.onnx.Attribute;
import dev.lowbit.onnx.Graph;
import dev.lowbit.onnx.Model;
import dev.lowbit.onnx.Node;
import dev.lowbit.onnx.ValueInfo;
import dev.lowbit.quant.QuantParams;
import dev.lowbit.quant.QuantScheme;
import dev.lowbit.tensor.DType;
import dev.lowbit.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class AdaRoundTest {
    private static final AdaRoundLayer.Options OPTIONS = new AdaRoundLayer.Options(400, 16, 1e-2, 0.01, 20, 2, 0.2, 5);

    private static float[] random(Random rng, int n, double scale) {
        float[] d = new float[n];
        for (int i = 0; i < n; i++) {
            d[i] = (float) (rng.nextGaussian() * scale);
        }
        return d;
    }

    /**
     * Images whose pixels are strongly correlated (a per-sample level plus a smooth ramp plus a little
     * noise), like real images: with independent pixels the layer's Hessian is diagonal and
     * round-to-nearest is already optimal, so there would be nothing for AdaRound to learn.
     */
    private static float[] correlated(Random rng, int samples) {
        float[] d = new float[samples * 75];
        for (int s = 0; s < samples; s++) {
            double level = rng.nextGaussian(), slope = rng.nextGaussian() * 0.3;
            for (int c = 0; c < 3; c++) {
                double channel = level + 0.3 * rng.nextGaussian();
                for (int i = 0; i < 25; i++) {
                    d[s * 75 + c * 25 + i] = (float) (channel + slope * (i / 5 - 2) + 0.1 * rng.nextGaussian());
                }
            }
        }
        return d;
    }

    /** x[N,3,5,5] -> Conv(4 filters, 3x3, pad 1) -> Relu -> Flatten -> Gemm(10). */
    private static Model model(Random rng) {
        Graph g = new Graph("tiny");
        g.inputs().add(ValueInfo.of("x", DType.FLOAT, -1, 3, 5, 5));
        g.outputs().add(new ValueInfo("y", null, null));
        g.setInitializer("w", Tensor.of(random(rng, 4 * 3 * 9, 0.3), 4, 3, 3, 3));
        g.setInitializer("b", Tensor.of(random(rng, 4, 0.1), 4));
        g.setInitializer("fw", Tensor.of(random(rng, 10 * 100, 0.1), 10, 100));
        g.setInitializer("fb", Tensor.of(random(rng, 10, 0.1), 10));
        Node conv = new Node("Conv", "conv", List.of("x", "w", "b"), List.of("c"));
        conv.set(Attribute.ofInts("pads", 1, 1, 1, 1));
        g.addNode(conv);
        g.addNode(new Node("Relu", "relu", List.of("c"), List.of("r")));
        g.addNode(new Node("Flatten", "flat", List.of("r"), List.of("f")));
        Node fc = new Node("Gemm", "fc", List.of("f", "fw", "fb"), List.of("y"));
        fc.set(Attribute.ofInt("transB", 1));
        g.addNode(fc);
        Model m = new Model(g);
        m.opsets().put("", 13L);
        return m;
    }

    /** Seeded correlated images. */
    private static final class RandomImages extends Dataset {
        RandomImages(int n) {
            super("random", n, DatasetOptions.defaults());
        }

        @Override
        public int[] sampleShape() {
            return new int[] {3, 5, 5};
        }

        @Override
        public boolean hasLabels() {
            return false;
        }

        @Override
        protected void readSamples(int[] indices, int n, float[] dst, long[] labels) {
            for (int i = 0; i < n; i++) {
                System.arraycopy(correlated(new Random(1000 + indices[i]), 1), 0, dst, i * 75, 75);
            }
        }

        @Override
        public void close() {
        }
    }

    @Test
    void learnedRoundingBeatsRoundToNearestOnTheLayerOutputAndIsDeterministic() {
        Random rng = new Random(3);
        Model m = model(rng);
        Graph g = m.graph();
        Node conv = g.nodes().get(0), relu = g.nodes().get(1);
        int samples = 64;
        float[] xs = correlated(rng, samples);
        Tensor w = g.initializer("w");
        QuantScheme scheme = QuantScheme.symmetricPerChannel(4, true, 0);
        float[] mins = new float[4], maxs = new float[4];
        for (int i = 0; i < w.size(); i++) {
            mins[i / 27] = Math.min(mins[i / 27], w.floats()[i]);
            maxs[i / 27] = Math.max(maxs[i / 27], w.floats()[i]);
        }
        QuantParams p = QuantParams.fromRanges(scheme, mins, maxs);
        AdaRoundLayer layer = new AdaRoundLayer(g, m.opsets(), conv, relu, new int[] {3, 5, 5}, w.shapeRef());
        float[] targets = layer.run(Tensor.of(xs, samples, 3, 5, 5), w).floats();
        AdaRoundLayer.Result r = layer.optimise(w, p, xs, targets, samples, new int[] {3, 5, 5}, OPTIONS, null);
        assertTrue(r.adaroundMse() < 0.8 * r.nearestMse(), "AdaRound " + r.adaroundMse() + " vs nearest " + r.nearestMse());
        for (int i = 0; i < w.size(); i++) { // every code rounds W/s down or up, never further
            double q = w.floats()[i] / p.scales()[i / 27];
            long c = r.codes().getLong(i);
            assertTrue(c == Math.max(-7, Math.floor(q)) || c == Math.min(7, Math.ceil(q)), "code " + c + " for " + q);
        }
        AdaRoundLayer.Result again = new AdaRoundLayer(g, m.opsets(), conv, relu, new int[] {3, 5, 5}, w.shapeRef())
                .optimise(w, p, xs, targets, samples, new int[] {3, 5, 5}, OPTIONS, null);
        assertArrayEquals(r.codes().bytes(), again.codes().bytes());
        assertEquals(r.adaroundMse(), again.adaroundMse());

        float lo = Float.MAX_VALUE, hi = -Float.MAX_VALUE;
        for (float v : w.floats()) {
            lo = Math.min(lo, v);
            hi = Math.max(hi, v);
        }
        QuantParams perTensor = QuantParams.fromRange(QuantScheme.symmetric(4, true), lo, hi);
        AdaRoundLayer.Result t = layer.optimise(w, perTensor, xs, targets, samples, new int[] {3, 5, 5}, OPTIONS, null);
        assertTrue(t.adaroundMse() < 0.8 * t.nearestMse(), "per tensor: " + t.adaroundMse() + " vs " + t.nearestMse());
    }

    @Test
    void runsAsAPtqStepAndReplacesTheWeightCodes() {
        Model m = model(new Random(4));
        PtqConfig cfg = PtqConfig.builder().weightBits(4).calibSize(64).batchSize(16).build();
        PtqResult nearest = new PostTrainingQuantizer(cfg).quantize(m, new RandomImages(64));
        List<Long> ticks = new ArrayList<>();
        AdaRound step = new AdaRound(OPTIONS);
        PtqResult a = new PostTrainingQuantizer(cfg).step(step).progress((phase, done, total) -> {
            if (phase.equals("adaround")) {
                ticks.add(done);
            }
        }).quantize(m, new RandomImages(64));
        PtqResult b = new PostTrainingQuantizer(cfg).step(new AdaRound(OPTIONS)).quantize(m, new RandomImages(64));
        assertEquals(2, step.report().size(), String.join("\n", step.report()));
        assertEquals(2L * OPTIONS.iterations(), ticks.get(ticks.size() - 1));
        assertTrue(a.notes().get("adaround.layers").startsWith("2 layers"));
        boolean changed = false;
        for (Map.Entry<String, Tensor> e : a.quantized().graph().initializers().entrySet()) {
            Tensor t = e.getValue();
            if (t.dtype() == DType.INT8) {
                assertArrayEquals(t.bytes(), b.quantized().graph().initializer(e.getKey()).bytes(), e.getKey());
                changed |= !java.util.Arrays.equals(t.bytes(), nearest.quantized().graph().initializer(e.getKey()).bytes());
            }
        }
        assertTrue(changed, "AdaRound left every code at round-to-nearest");
    }
}
