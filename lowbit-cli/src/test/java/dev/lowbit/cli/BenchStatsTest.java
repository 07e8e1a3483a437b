package dev.lowbit.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lowbit.tensor.Tensor;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class BenchStatsTest {
    @Test
    void medianP90MeanMinAndThroughput() {
        long ms = 1_000_000;
        // 10 runs of 1..10 ms, shuffled: median 5.5, p90 (nearest rank 9) 9, mean 5.5, min 1.
        long[] nanos = {7 * ms, 1 * ms, 10 * ms, 3 * ms, 5 * ms, 9 * ms, 2 * ms, 8 * ms, 6 * ms, 4 * ms};
        dev.lowbit.engine.Benchmark.Result r = dev.lowbit.engine.Benchmark.stats("java", nanos, 8);
        assertEquals(5.5, r.medianMs(), 1e-9);
        assertEquals(9.0, r.p90Ms(), 1e-9);
        assertEquals(5.5, r.meanMs(), 1e-9);
        assertEquals(1.0, r.minMs(), 1e-9);
        assertEquals(8 / 0.0055, r.itemsPerSecond(), 1e-6);
        dev.lowbit.engine.Benchmark.Result odd = dev.lowbit.engine.Benchmark.stats("ort", new long[] {3 * ms, 1 * ms, 2 * ms}, 1);
        assertEquals(2.0, odd.medianMs(), 1e-9);
        assertEquals(3.0, odd.p90Ms(), 1e-9);
    }

    @Test
    void maxAbsDiffAndItems() {
        Map<String, Tensor> a = new LinkedHashMap<>();
        Map<String, Tensor> b = new LinkedHashMap<>();
        a.put("y", Tensor.of(new float[] {1, 2, 3}, 3, 1));
        b.put("y", Tensor.of(new float[] {1, 2.5f, 3}, 3, 1));
        assertEquals(0.5, BenchCommand.maxAbsDiff(a, b), 1e-9);
        b.put("y", Tensor.of(new float[] {1, 2, 3}, 1, 3));
        assertTrue(Double.isNaN(BenchCommand.maxAbsDiff(a, b)));
        assertEquals(3, BenchCommand.itemsPerRun(a));
        assertEquals(1, BenchCommand.itemsPerRun(Map.of("s", Tensor.scalar(1f))));
    }
}
