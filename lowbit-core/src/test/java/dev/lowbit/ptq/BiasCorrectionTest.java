package dev.lowbit.ptq;

import dev.lowbit.quant.QuantPlan;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lowbit.calib.WeightRanges;
import dev.lowbit.exec.Executor;
import dev.lowbit.export.QdqWriter.QuantizedWeight;
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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

public class BiasCorrectionTest {
    /** x[N,4,7,7] (channel means 0..3) -> Conv 3x3 no padding (6, no bias) -> Relu -> GAP -> Flatten -> Gemm (5). */
    static Model convGemm(long seed) {
        Random r = new Random(seed);
        Graph g = new Graph("bc");
        g.inputs().add(ValueInfo.of("x", DType.FLOAT, -1, 4, 7, 7));
        g.outputs().add(ValueInfo.of("y", DType.FLOAT, -1, 5));
        g.setInitializer("w1", CrossLayerEqualizationTest.weight(r, 6, 4, 3, 3));
        g.setInitializer("w2", CrossLayerEqualizationTest.weight(r, 5, 6));
        g.setInitializer("b2", CrossLayerEqualizationTest.vector(r, 5, 0.1));
        g.addNode(new Node("Conv", "conv", List.of("x", "w1"), List.of("h")));
        g.addNode(new Node("Relu", "relu", List.of("h"), List.of("a")));
        g.addNode(new Node("GlobalAveragePool", "gap", List.of("a"), List.of("p")));
        g.addNode(new Node("Flatten", "flat", List.of("p"), List.of("f")));
        g.addNode(new Node("Gemm", "fc", List.of("f", "w2", "b2"), List.of("y"))
                .set(Attribute.ofInt("transB", 1)).set(Attribute.ofFloat("alpha", 0.5f)));
        Model m = new Model(g);
        m.opsets().put("", 13L);
        return m;
    }

    static List<Tensor> batches(long seed, int count) {
        Random r = new Random(seed);
        List<Tensor> out = new ArrayList<>();
        for (int b = 0; b < count; b++) {
            Tensor t = Tensor.zeros(DType.FLOAT, 16, 4, 7, 7);
            float[] d = t.floats();
            // Channel c has mean c. Each image is constant over space so that the mean of a window
            // position equals the channel mean exactly (the correction assumes spatial stationarity).
            for (int nc = 0; nc < 16 * 4; nc++) {
                java.util.Arrays.fill(d, nc * 49, (nc + 1) * 49, (float) (r.nextGaussian() + nc % 4));
            }
            out.add(t);
        }
        return out;
    }

    /** Round-to-nearest per-tensor int4 weights, as the quantizer makes them. */
    static Map<String, QuantizedWeight> quantize(Graph g, QuantPlan plan, QuantScheme scheme) {
        Map<String, QuantizedWeight> out = new LinkedHashMap<>();
        for (QuantPlan.Weight w : plan.weights()) {
            Tensor t = g.initializer(w.initializer());
            QuantParams p = WeightRanges.minMax(t, scheme).toParams(scheme);
            out.put(w.initializer(), new QuantizedWeight(WeightQuantization.quantize(t, p), PostTrainingQuantizer.toQdq(p)));
        }
        return out;
    }

    /** The float model with every quantized weight replaced by its dequantized value. */
    static Model dequantized(Model m, Map<String, QuantizedWeight> q) {
        Model d = m.copy();
        q.forEach((name, w) -> {
            Tensor t = d.graph().initializer(name);
            double[] eps = BiasCorrection.quantizationError(t, w);
            float[] f = t.copy().floats();
            for (int i = 0; i < f.length; i++) {
                f[i] = (float) (t.getDouble(i) + eps[i]);
            }
            d.graph().setInitializer(name, Tensor.of(f, t.shape()));
        });
        return d;
    }

    /** Per-channel mean of (quantized − float) over the data, for tensor {@code value}. */
    static double[] meanError(Model reference, Model quantized, List<Tensor> data, String value) {
        Executor a = new Executor(reference);
        Executor b = new Executor(quantized);
        double[] sum = null;
        long n = 0;
        for (Tensor x : data) {
            Tensor ya = a.run(Map.of("x", x), (k, v) -> v, Set.of(value)).get(value);
            Tensor yb = b.run(Map.of("x", x), (k, v) -> v, Set.of(value)).get(value);
            int c = ya.dim(1);
            int inner = ya.size() / (ya.dim(0) * c);
            if (sum == null) {
                sum = new double[c];
            }
            for (int i = 0; i < ya.size(); i++) {
                sum[(i / inner) % c] += yb.getDouble(i) - ya.getDouble(i);
            }
            n += ya.size() / c;
        }
        for (int i = 0; i < sum.length; i++) {
            sum[i] /= n;
        }
        return sum;
    }

    private static double maxAbs(double[] d) {
        double m = 0;
        for (double v : d) {
            m = Math.max(m, Math.abs(v));
        }
        return m;
    }

    @Test
    void correctedLayersHaveNoMeanOutputErrorOnTheCalibrationData() {
        Model m = convGemm(1);
        Graph g = m.graph();
        QuantPlan plan = QuantPlanner.plan(g, Set.of());
        Map<String, QuantizedWeight> q = quantize(g, plan, QuantScheme.parse("int4-sym"));
        List<Tensor> data = batches(2, 8);
        double[] errConvBefore = meanError(m, dequantized(m, q), data, "h");

        Model corrected = m.copy();
        Map<String, double[]> ex = ExpectedInputs.empirical(m, data.stream().map(t -> Map.of("x", t)).toList(), Set.of("x", "f"));
        BiasCorrection.Result r = BiasCorrection.correct(corrected.graph(), plan, q, ex::get);
        assertEquals(2, r.corrected());
        assertTrue(corrected.graph().nodes().get(0).hasInput(2), "the bias-less conv got a bias");
        assertTrue(plan.biases().stream().anyMatch(b -> b.node().equals("conv")), "and the exporter will quantize it");

        Model quantized = dequantized(corrected, q);
        double[] errConv = meanError(m, quantized, data, "h");
        assertTrue(maxAbs(errConvBefore) > 1e-2, "int4 rounding biases the conv: " + maxAbs(errConvBefore));
        assertTrue(maxAbs(errConv) < 1e-4, "corrected conv mean error " + maxAbs(errConv));
        // The Gemm alone (alpha = 0.5): corrected for its own rounding given its float input.
        Model gemmOnly = m.copy();
        Map<String, QuantizedWeight> qGemm = Map.of("w2", q.get("w2"));
        BiasCorrection.Result rg = BiasCorrection.correct(gemmOnly.graph(), QuantPlanner.plan(gemmOnly.graph(), Set.of()), qGemm,
                v -> v.equals("f") ? ex.get(v) : null);
        assertEquals(1, rg.corrected());
        assertEquals(1, rg.skipped(), "the conv: no E[x] given");
        double[] errGemmBefore = meanError(m, dequantized(m, qGemm), data, "y");
        double[] errGemm = meanError(m, dequantized(gemmOnly, qGemm), data, "y");
        assertTrue(maxAbs(errGemmBefore) > 1e-3, "int4 rounding biases the gemm: " + maxAbs(errGemmBefore));
        assertTrue(maxAbs(errGemm) < 1e-5, "corrected gemm mean error " + maxAbs(errGemm));
    }

    @Test
    void analyticMeansMatchMonteCarlo() {
        Random r = new Random(3);
        double[][] cases = {{0, 1}, {1.5, 0.5}, {-2, 1.2}, {3, 4}, {0.2, 0.01}};
        int n = 400_000;
        for (double[] c : cases) {
            double mu = c[0];
            double sigma = c[1];
            double relu = 0;
            double relu6 = 0;
            double sq = 0;
            for (int i = 0; i < n; i++) {
                double x = mu + sigma * r.nextGaussian();
                double y = Math.max(0, x);
                relu += y;
                sq += y * y;
                relu6 += Math.min(6, y);
            }
            relu /= n;
            relu6 /= n;
            double se = Math.sqrt(Math.max(sq / n - relu * relu, 1e-12) / n);
            assertEquals(relu, ExpectedInputs.clippedNormalMean(mu, sigma, 0, Double.POSITIVE_INFINITY), 5 * se + 1e-6,
                    "relu mu=" + mu + " sigma=" + sigma);
            assertEquals(relu6, ExpectedInputs.clippedNormalMean(mu, sigma, 0, 6), 5 * se + 1e-6,
                    "relu6 mu=" + mu + " sigma=" + sigma);
            // The closed form of the brief: E[relu(N(β, γ²))] = γ·φ(β/γ) + β·Φ(β/γ).
            assertEquals(sigma * ExpectedInputs.pdf(mu / sigma) + mu * ExpectedInputs.cdf(mu / sigma),
                    ExpectedInputs.clippedNormalMean(mu, sigma, 0, Double.POSITIVE_INFINITY), 1e-9);
        }
        assertEquals(0.5, ExpectedInputs.cdf(0), 1e-7);
        assertEquals(0.9772498680518208, ExpectedInputs.cdf(2), 1e-7);
    }

    @Test
    void analyticExpectationFollowsBatchNormThroughReluAddAndPooling() {
        Graph g = new Graph("a");
        g.addNode(new Node("Relu", "r", List.of("h"), List.of("a")));
        g.addNode(new Node("Add", "add", List.of("h", "k"), List.of("s")));
        g.addNode(new Node("Relu", "r2", List.of("s"), List.of("t")));
        g.addNode(new Node("GlobalAveragePool", "gap", List.of("t"), List.of("p")));
        g.addNode(new Node("Flatten", "flat", List.of("p"), List.of("f")));
        BatchNormStats stats = BatchNormStats.none();
        stats.put("h", new BatchNormStats.Gaussian(new double[] {1, -1}, new double[] {2, 0.5}));
        stats.put("k", new BatchNormStats.Gaussian(new double[] {0.5, 0.5}, new double[] {1, 1}));
        double[] a = ExpectedInputs.analytic(g, stats, "a");
        assertEquals(ExpectedInputs.clippedNormalMean(1, 2, 0, Double.POSITIVE_INFINITY), a[0], 1e-12);
        double[] f = ExpectedInputs.analytic(g, stats, "f");
        assertEquals(ExpectedInputs.clippedNormalMean(1.5, Math.hypot(2, 1), 0, Double.POSITIVE_INFINITY), f[0], 1e-12);
        assertEquals(ExpectedInputs.clippedNormalMean(-0.5, Math.hypot(0.5, 1), 0, Double.POSITIVE_INFINITY), f[1], 1e-12);
        assertEquals(null, ExpectedInputs.analytic(g, stats, "x"));
    }
}
