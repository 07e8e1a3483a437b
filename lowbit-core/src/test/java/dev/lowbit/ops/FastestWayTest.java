package dev.lowbit.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The choice among interchangeable ways, on a clock the ways themselves advance (no real timing). */
class FastestWayTest {
    private long now;
    private final int[] calls = new int[3];

    @AfterEach
    void restorePolicy() {
        FastestWay.policy = FastestWay.Policy.MEASURE;
    }

    /** Way i costs cost[i] ticks and returns its index, or declines (null) when cost[i] is negative. */
    private List<Supplier<Integer>> ways(long... cost) {
        return List.of(way(0, cost[0]), way(1, cost[1]), way(2, cost[2]));
    }

    private Supplier<Integer> way(int i, long cost) {
        return () -> {
            calls[i]++;
            if (cost < 0) {
                return null;
            }
            now += cost;
            return i;
        };
    }

    @Test
    void measuresEachWayThenKeepsTheFastest() {
        FastestWay<Integer> f = new FastestWay<>(() -> now, 0);
        int[] shape = {2, 3};
        for (int call = 0; call < 3 * FastestWay.TRIALS; call++) {
            assertEquals(-1, f.chosen(shape), "still measuring at call " + call);
            f.run(shape, ways(50, 20, 90));
        }
        assertEquals(1, f.chosen(shape));
        assertEquals(FastestWay.TRIALS, calls[0]);
        assertEquals(FastestWay.TRIALS, calls[2]);
        for (int call = 0; call < 10; call++) {
            assertEquals(1, f.run(shape, ways(50, 20, 90)));
        }
        assertEquals(FastestWay.TRIALS, calls[0], "the slower ways no longer run");
        assertEquals(FastestWay.TRIALS + 10, calls[1]);
    }

    /** During the warm-up the ways take turns untimed: a way slow only while the JIT compiles it still wins. */
    @Test
    void warmUpRunsEveryWayUntimedFirst() {
        FastestWay<Integer> f = new FastestWay<>(() -> now, 1000);
        int[] shape = {5};
        int[] runs0 = new int[1];
        Supplier<Integer> compiling = () -> {
            now += runs0[0]++ < 4 ? 400 : 10; // 1600 ticks of "interpreted" runs, then fast
            return 0;
        };
        for (int call = 0; call < 5; call++) { // starting at ticks 0, 400, 430, 830, 860: all before 1000
            f.run(shape, List.of(compiling, way(1, 30)));
        }
        assertEquals(3, runs0[0], "turns: 0, 1, 0, 1, 0");
        assertEquals(2, calls[1]);
        assertEquals(-1, f.chosen(shape));
        for (int call = 0; call < 4 * FastestWay.TRIALS; call++) {
            f.run(shape, List.of(compiling, way(1, 30)));
        }
        assertEquals(0, f.chosen(shape));
    }

    @Test
    void uncountedFirstRunsDoNotDecide() {
        // Way 0 is slow only on its first runs (a JIT compiling it), then fastest.
        FastestWay<Integer> f = new FastestWay<>(() -> now, 0);
        int[] shape = {1};
        int[] runs0 = new int[1];
        for (int call = 0; call < 2 * FastestWay.TRIALS; call++) {
            f.run(shape, List.of(() -> {
                now += runs0[0]++ < FastestWay.UNCOUNTED ? 1000 : 10;
                return 0;
            }, way(1, 30)));
        }
        assertEquals(0, f.chosen(shape));
    }

    @Test
    void declinedWaysAreSkippedAndTheChosenFallsBackInOrder() {
        FastestWay<Integer> f = new FastestWay<>(() -> now, 0);
        int[] shape = {4};
        // The first call: way 0 declines and way 1 answers (not timed); then 1 and 2 take turns.
        for (int call = 0; call < 2 * FastestWay.TRIALS + 1; call++) {
            assertNotNull(f.run(shape, ways(-1, 30, 10)), "a declined way's call still gets a result");
        }
        assertEquals(2, f.chosen(shape));
        assertEquals(1, calls[0], "a way that declined is not asked again while measuring");
        // The chosen way declines this input: the first applicable way in order runs instead.
        assertEquals(1, f.run(shape, ways(-1, 30, -1)));
        assertNull(f.run(shape, ways(-1, -1, -1)), "no way applies");
    }

    @Test
    void shapesAreMeasuredSeparately() {
        FastestWay<Integer> f = new FastestWay<>(() -> now, 0);
        for (int call = 0; call < 3 * FastestWay.TRIALS; call++) {
            f.run(new int[] {1, 8}, ways(10, 20, 30));
            f.run(new int[] {8, 1}, ways(30, 20, 10));
        }
        assertEquals(0, f.chosen(new int[] {1, 8}));
        assertEquals(2, f.chosen(new int[] {8, 1}));
    }

    @Test
    void shapesWithinAPowerOfTwoShareOneMeasurement() {
        FastestWay<Integer> f = new FastestWay<>(() -> now, 0);
        for (int call = 0; call < 3 * FastestWay.TRIALS; call++) {
            f.run(new int[] {1, 65 + call % 60, 384}, ways(30, 20, 10)); // sequence lengths 65..124
        }
        assertEquals(2, f.chosen(new int[] {1, 100, 384}));
        assertEquals(2, f.chosen(new int[] {1, 128, 300}));
        assertEquals(-1, f.chosen(new int[] {1, 129, 384}));
        assertEquals("[0, 1, 2, 4, 8, 16]", FastestWay.key(new int[] {0, 1, 2, 3, 5, 16}));
    }

    @Test
    void pastTheLastMeasuredClassTheFirstApplicableWayRuns() {
        FastestWay<Integer> f = new FastestWay<>(() -> now, 0);
        for (int c = 0; c < FastestWay.MAX_CLASSES; c++) {
            f.run(new int[] {1 << c}, ways(30, 20, 10));
        }
        int before = calls[0];
        assertEquals(0, f.run(new int[] {3, 3, 3}, ways(30, 20, 10)));
        assertEquals(before + 1, calls[0]);
        assertEquals(-1, f.chosen(new int[] {3, 3, 3}));
    }

    /** What bench's warm-up waits for: a class counts as pending from its first call until it has chosen. */
    @Test
    void pendingCountsClassesStillMeasuring() {
        FastestWay<Integer> f = new FastestWay<>(() -> now, 0);
        int before = KernelChoices.pending();
        f.run(new int[] {7}, ways(30, 20, 10));
        f.run(new int[] {70}, ways(-1, -1, -1));
        assertEquals(before + 2, KernelChoices.pending());
        for (int call = 1; call < 3 * FastestWay.TRIALS; call++) {
            f.run(new int[] {7}, ways(30, 20, 10));
        }
        assertEquals(before + 1, KernelChoices.pending());
        f.run(new int[] {70}, ways(-1, -1, -1));
        f.run(new int[] {70}, ways(-1, -1, -1));
        assertEquals(before, KernelChoices.pending(), "a class where every way declined is settled too");
    }

    @Test
    void firstPolicyRunsTheFirstApplicableWayWithoutMeasuring() {
        FastestWay.policy = FastestWay.Policy.FIRST;
        FastestWay<Integer> f = new FastestWay<>(() -> now, 0);
        for (int call = 0; call < 3 * FastestWay.TRIALS; call++) {
            assertEquals(1, f.run(new int[] {3}, ways(-1, 90, 10)));
        }
        assertEquals(-1, f.chosen(new int[] {3}));
        assertEquals(0, calls[2]);
    }
}
