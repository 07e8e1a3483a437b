package dev.lowbit.ptq;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lowbit.data.Dataset;
import dev.lowbit.exec.Executor;
import dev.lowbit.onnx.Model;
import dev.lowbit.quant.BackendProfile;
import dev.lowbit.quant.FakeQuant;
import dev.lowbit.quant.QuantParams;
import dev.lowbit.tensor.Tensor;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class EasyQuantTest {
    private static PtqConfig config(int wBits, int aBits) {
        return PtqConfig.builder().weightBits(wBits).activationBits(aBits).backend(BackendProfile.GENERIC)
                .calibSize(64).batchSize(16).build();
    }

    @Test
    void cosineKernelMatchesScalarReference() {
        Random r = new Random(7);
        for (int len : new int[] {1, 3, 8, 17, 511, 512, 513, 2049}) {
            float[] a = new float[len + 5];
            float[] b = new float[len + 5];
            for (int i = 0; i < a.length; i++) {
                a[i] = (float) r.nextGaussian();
                b[i] = a[i] + (float) (0.1 * r.nextGaussian());
            }
            double[] fast = new double[3];
            double[] ref = new double[3];
            Cosine.accumulate(a, b, 3, len, fast);
            Cosine.accumulateReference(a, b, 3, len, ref);
            for (int k = 0; k < 3; k++) {
                assertEquals(ref[k], fast[k], 1e-5 * Math.max(1, Math.abs(ref[k])), "len " + len + " sum " + k);
            }
        }
        assertEquals(1.0, Cosine.of(0, 0, 0));
        assertEquals(0.0, Cosine.of(0, 1, 0));
        // Per-channel, channel-first [2 samples, 2 channels, 2]: channel 0 identical, channel 1 opposite.
        float[] ref = {1, 2, 3, 4, 5, 6, 7, 8};
        float[] test = {1, 2, -3, -4, 5, 6, -7, -8};
        double[] c = Cosine.perChannel(ref, test, 2, 2, 2, false);
        assertArrayEquals(new double[] {1, -1}, c, 1e-12);
        // The same data as [2 samples, 2 positions, 2 channels]: channel = last axis.
        float[] testLast = {1, -2, 3, -4, 5, -6, 7, -8};
        assertArrayEquals(new double[] {1, -1}, Cosine.perChannel(ref, testLast, 2, 2, 2, true), 1e-12);
    }

    @Test
    void probeComputesWhatTheQdqModelComputes() {
        Model m = TinyNets.cnn(1, false);
        Tensor x = TinyNets.images(2, 32);
        PtqResult r = new PostTrainingQuantizer(config(7, 7)).quantize(m, TinyNets.dataset(x, null));
        List<LayerProbe> probes = LayerProbe.all(r.prepared(), r.plan());
        assertEquals(4, probes.size());
        LayerProbe conv2 = probes.get(1);
        assertEquals("conv2", conv2.node);
        assertEquals("r2", conv2.output);
        Map<String, Tensor> q = new Executor(r.quantized()).run(Map.of("x", x), null, Set.of("r1", "r2"));
        QuantParams ap = r.activations().get("r1");
        QuantParams wp = r.weights().get("w2");
        var g = r.prepared().graph();
        Tensor y = conv2.run(FakeQuant.apply(q.get("r1"), ap), FakeQuant.apply(g.initializer("w2"), wp),
                conv2.quantizedBias(g.initializer("b2"), ap, wp));
        assertArrayEquals(q.get("r2").floats(), y.floats(), 0f, "probe output equals the QDQ model's, bit for bit");
    }

    @Test
    void neverLowersTheLayerCosineAndWritesConsistentCodes() {
        Model m = TinyNets.cnn(3, false);
        Dataset data = TinyNets.dataset(TinyNets.images(4, 64), null);
        for (int bits : new int[] {7, 4}) {
            boolean holdOut = bits == 7;
            EasyQuant eq = new EasyQuant(new EasyQuant.Options(24, 40, 0.5, 2, 0.5, 2, holdOut));
            PtqResult plain = new PostTrainingQuantizer(config(bits, bits)).quantize(m, data);
            PtqResult r = new PostTrainingQuantizer(config(bits, bits)).step(eq).quantize(m, data);
            assertEquals(4, eq.reports().size());
            boolean improved = false;
            for (EasyQuant.LayerReport l : eq.reports()) {
                assertTrue(l.weightCosineAfter() >= l.weightCosineBefore(), l.toString());
                assertTrue(l.actCosineAfter() >= l.actCosineBefore(), l.toString());
                improved |= l.weightCosineAfter() > l.weightCosineBefore() || l.actCosineAfter() > l.actCosineBefore();
            }
            assertTrue(improved, "at " + bits + " bits some scale should beat the calibrated one");
            assertNotEquals(plain.weights().get("w2"), r.weights().get("w2"));
            // The stored codes are the weight rounded with the stored scales, as QuantizeLinear would.
            QuantParams wp = r.weights().get("w2");
            Tensor codes = WeightQuantization.quantize(r.prepared().graph().initializer("w2"), wp);
            var qw = r.quantized().graph().initializers().entrySet().stream()
                    .filter(e -> e.getKey().startsWith("w2_quantized")).findFirst().orElseThrow().getValue();
            assertArrayEquals(codes.toLongArray(), qw.toLongArray());
            for (long c : qw.toLongArray()) {
                assertTrue(c >= wp.scheme().qmin() && c <= wp.scheme().qmax());
            }
        }
    }

    @Test
    void searchesOnlyInsideTheRangeGiven() {
        Model m = TinyNets.cnn(5, false);
        Dataset data = TinyNets.dataset(TinyNets.images(6, 48), null);
        PtqResult plain = new PostTrainingQuantizer(config(8, 8)).quantize(m, data);
        EasyQuant eq = new EasyQuant(new EasyQuant.Options(16, 20, 0.8, 1.0, 0.8, 1.0, false));
        PtqResult r = new PostTrainingQuantizer(config(8, 8)).step(eq).quantize(m, data);
        for (var e : r.activations().entrySet()) {
            float s0 = plain.activations().get(e.getKey()).scales()[0];
            float s = e.getValue().scales()[0];
            assertTrue(s <= s0 * 1.0001f && s >= s0 * 0.7999f, e.getKey() + ": " + s + " vs " + s0);
        }
        eq.reports().forEach(l -> assertTrue(l.actAlpha() >= 0.8 && l.actAlpha() <= 1.0));
        assertFalse(r.notes().get("easyquant").isEmpty());
    }
}
