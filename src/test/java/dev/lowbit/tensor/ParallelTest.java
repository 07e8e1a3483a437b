package dev.lowbit.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;

/** Parallel.forEachDynamic runs every index exactly once, nested or not, and passes failures on. */
class ParallelTest {
    @Test
    void forEachDynamicRunsEveryIndexOnce() {
        int before = Parallel.threads();
        try {
            for (int threads : new int[] {1, 2, 4}) {
                Parallel.setThreads(threads);
                for (int n : new int[] {0, 1, 3, 37}) {
                    AtomicIntegerArray hits = new AtomicIntegerArray(Math.max(1, n));
                    Parallel.forEachDynamic(n, i -> hits.incrementAndGet(i));
                    for (int i = 0; i < n; i++) {
                        assertEquals(1, hits.get(i), "threads " + threads + " n " + n + " index " + i);
                    }
                }
                // nested inside a parallel loop: runs inline, still once per index
                AtomicIntegerArray nested = new AtomicIntegerArray(8 * 5);
                Parallel.forRange(8, 1, (a, b) -> {
                    for (int o = a; o < b; o++) {
                        int outer = o;
                        Parallel.forEachDynamic(5, i -> nested.incrementAndGet(outer * 5 + i));
                    }
                });
                for (int i = 0; i < 40; i++) {
                    assertEquals(1, nested.get(i));
                }
            }
        } finally {
            Parallel.setThreads(before);
        }
    }

    @Test
    void forEachDynamicPassesAFailureOn() {
        int before = Parallel.threads();
        try {
            Parallel.setThreads(2);
            assertThrows(IllegalStateException.class, () -> Parallel.forEachDynamic(10, i -> {
                if (i == 7) {
                    throw new IllegalStateException("item 7");
                }
            }));
        } finally {
            Parallel.setThreads(before);
        }
    }
}
