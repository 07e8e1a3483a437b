package dev.lowbit.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;

/**
 * Parallel loops run every index exactly once, nested or not, with chunk boundaries that do not
 * depend on timing; they pass failures on and finish without waiting for a worker that is stuck.
 */
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

    @Test
    void forRangeCoversEveryIndexOnceWithTheSameChunksEveryTime() {
        int before = Parallel.threads();
        try {
            for (int threads : new int[] {1, 2, 3, 8}) {
                Parallel.setThreads(threads);
                for (int[] ng : new int[][] {{1, 1}, {7, 1}, {100, 3}, {1000, 1}, {1001, 64}, {5, 10}}) {
                    int n = ng[0];
                    List<String> first = chunks(n, ng[1]);
                    for (int repeat = 0; repeat < 5; repeat++) {
                        assertEquals(first, chunks(n, ng[1]), "threads " + threads + " n " + n);
                    }
                }
            }
        } finally {
            Parallel.setThreads(before);
        }
    }

    /** The chunks a loop ran, sorted, after checking each index ran once. */
    private static List<String> chunks(int n, int grain) {
        AtomicIntegerArray hits = new AtomicIntegerArray(n);
        List<String> ranges = java.util.Collections.synchronizedList(new ArrayList<>());
        Parallel.forRange(n, grain, (a, b) -> {
            ranges.add(a + ".." + b);
            for (int i = a; i < b; i++) {
                hits.incrementAndGet(i);
            }
        });
        for (int i = 0; i < n; i++) {
            assertEquals(1, hits.get(i), "n " + n + " index " + i);
        }
        List<String> sorted = new ArrayList<>(ranges);
        sorted.sort(null);
        return sorted;
    }

    /**
     * A worker that cannot run (here: blocked by another loop's chunk, as a worker whose core
     * another process holds) does not hold the loop up: the calling thread takes its chunks.
     */
    @Test
    void aStalledWorkerDoesNotHoldTheLoopUp() throws Exception {
        int before = Parallel.threads();
        Parallel.setThreads(2); // one pool worker
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch workerBusy = new CountDownLatch(1);
        Thread blocker = new Thread(() -> Parallel.forRange(2, 1, (a, b) -> {
            if (!Thread.currentThread().getName().startsWith("ForkJoinPool")) {
                try { // the caller's chunk: give the worker time to take the other one
                    workerBusy.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return;
            }
            workerBusy.countDown();
            try {
                release.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }));
        try {
            blocker.start();
            if (!workerBusy.await(10, TimeUnit.SECONDS)) {
                return; // the caller took both chunks before the worker started: nothing to test
            }
            long t0 = System.nanoTime();
            AtomicIntegerArray hits = new AtomicIntegerArray(64);
            Parallel.forRange(64, 1, (a, b) -> {
                for (int i = a; i < b; i++) {
                    hits.incrementAndGet(i);
                }
            });
            double seconds = (System.nanoTime() - t0) / 1e9;
            for (int i = 0; i < 64; i++) {
                assertEquals(1, hits.get(i));
            }
            assertTrue(seconds < 5, "the loop waited " + seconds + " s for a worker that never came");
        } finally {
            release.countDown();
            blocker.join();
            Parallel.setThreads(before);
        }
    }

    @Test
    void forRangePassesTheFirstFailureOnAfterEveryChunkHasEnded() {
        int before = Parallel.threads();
        try {
            Parallel.setThreads(3);
            AtomicIntegerArray ended = new AtomicIntegerArray(1);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Parallel.forRange(100, 1, (a, b) -> {
                try {
                    if (a == 0) {
                        throw new IllegalArgumentException("chunk at 0");
                    }
                } finally {
                    ended.incrementAndGet(0);
                }
            }));
            assertEquals("chunk at 0", e.getMessage());
            // nothing runs after forRange returned
            int seen = ended.get(0);
            assertEquals(seen, ended.get(0));
        } finally {
            Parallel.setThreads(before);
        }
    }
}
