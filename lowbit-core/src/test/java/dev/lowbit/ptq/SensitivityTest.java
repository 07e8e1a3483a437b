package dev.lowbit.ptq;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lowbit.LowbitException;
import dev.lowbit.onnx.Model;
import dev.lowbit.quant.BackendProfile;
import dev.lowbit.tensor.Tensor;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SensitivityTest {
    private static PtqConfig config(int wBits, int aBits) {
        return PtqConfig.builder().weightBits(wBits).activationBits(aBits).backend(BackendProfile.GENERIC)
                .calibSize(64).batchSize(16).build();
    }

    private static QuantSearch search(Model m, PtqConfig cfg, boolean labels) {
        Tensor calib = TinyNets.images(11, 64);
        Tensor eval = TinyNets.images(12, 200);
        long[] y = labels ? TinyNets.selfLabels(m, eval) : null;
        ModelScorer scorer = new ModelScorer(m, TinyNets.dataset(eval, y), 50);
        return new QuantSearch(m, TinyNets.dataset(calib, null), scorer, cfg, List.of(), ProgressListener.NONE);
    }

    @Test
    void unitsGroupFusedActivationsWithTheirLayer() {
        QuantSearch s = search(TinyNets.cnn(1, false), config(8, 8), false);
        List<QuantSearch.Unit> units = s.units();
        assertEquals(List.of("conv1", "conv2", "conv3", "gap", "fc"), units.stream().map(QuantSearch.Unit::name).toList());
        assertEquals(List.of("conv2", "relu2"), units.get(1).nodes());
        assertEquals(8 * 8 * 9, units.get(1).weightElements());
    }

    @Test
    void oneLayerRunsQuantizeOnlyThatLayer() {
        QuantSearch s = search(TinyNets.cnn(1, false), config(8, 8), false);
        PtqResult r = s.quantizeOnly(s.units().get(1));
        assertEquals(List.of("conv2", "relu2"), r.plan().quantizedNodes());
        assertEquals(Set.of("r1", "r2"), r.plan().activations());
    }

    @Test
    void ranksTheFragileLayerFirst() {
        for (boolean labels : new boolean[] {false, true}) {
            QuantSearch s = search(TinyNets.cnn(1, true), config(4, 8), labels);
            Sensitivity.Result r = Sensitivity.analyze(s);
            assertEquals("conv2", r.ranked().get(0).unit().name(), r.ranked().toString());
            assertEquals(5, r.ranked().size());
            assertEquals(labels, r.byAccuracy());
            for (int i = 1; i < r.ranked().size(); i++) {
                assertTrue(r.ranked().get(i - 1).score().sqnrDb() <= r.ranked().get(i).score().sqnrDb() || labels);
            }
        }
    }

    @Test
    void partialQuantizationTerminatesAndMeetsItsTarget() {
        Model m = TinyNets.cnn(1, true);
        QuantSearch s = search(m, config(4, 4), true);
        assertEquals(100.0, s.scorer().floatTop1(), 1e-9);
        double fullDrop = 100.0 - s.fullScore().top1();
        double target = 5.0;
        assertTrue(fullDrop > target, "plain W4A4 should miss the target; drop " + fullDrop);
        PartialQuantization.Result r = PartialQuantization.run(s, target);
        assertTrue(r.met(), r.trace().toString());
        assertTrue(r.last().drop() <= target);
        assertFalse(r.floatUnits().isEmpty());
        assertTrue(r.trace().size() <= s.units().size());
        assertEquals(r.sensitivity().ranked().get(0).unit().name(), r.floatUnits().get(0));
        // The returned model is the one the last step scored.
        assertEquals(r.last().score().top1(), s.scorer().score(r.model().quantized()).top1(), 1e-9);
        assertTrue(r.model().plan().floatNodes().containsKey(r.floatUnits().get(0)));
    }

    @Test
    void partialQuantizationStopsAtOnceWhenTheTargetIsMet() {
        QuantSearch s = search(TinyNets.cnn(1, false), config(8, 8), true);
        PartialQuantization.Result r = PartialQuantization.run(s, 100);
        assertTrue(r.met());
        assertTrue(r.floatUnits().isEmpty());
        assertEquals(1, r.trace().size());
    }

    @Test
    void mixedPrecisionMeetsTheBudgetAndKeepsTheFragileLayerWide() {
        QuantSearch s = search(TinyNets.cnn(1, true), config(8, 8), false);
        MixedPrecision.Result r = MixedPrecision.run(s, 0.75, new int[] {4});
        assertTrue(r.bytes() <= r.budgetBytes(), r.bytes() + " > " + r.budgetBytes());
        assertEquals(8, r.bits().get("conv2"));
        assertTrue(r.bits().containsValue(4));
        // Weight codes of a 4-bit layer stay in the 4-bit narrow grid.
        String low = r.bits().entrySet().stream().filter(e -> e.getValue() == 4).findFirst().orElseThrow().getKey();
        QuantSearch.Unit u = s.units().stream().filter(x -> x.name().equals(low)).findFirst().orElseThrow();
        String init = r.model().plan().weights().stream().filter(w -> w.node().equals(u.name())).findFirst().orElseThrow().initializer();
        assertEquals(4, r.model().weights().get(init).scheme().bits());
        assertThrows(LowbitException.class, () -> MixedPrecision.run(s, 0.1, new int[] {4}));
        assertEquals(MixedPrecision.bytes(s.units().stream().filter(x -> x.weightElements() > 0).toList(), 8, Map.of()), r.fullBytes());
    }
}
