package dev.lowbit.ops;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * Chooses among interchangeable ways of computing one node's result — exact kernels that return the
 * same bits at different speeds, such as the int16, Winograd and float paths of a quantized
 * convolution — by timing them on the node's first calls, separately for each class of input shapes
 * ({@link #key}: extents rounded up to powers of two, at most {@link #MAX_CLASSES}). Which
 * way wins depends on the machine (vector width, caches, cores) and on the geometry in ways a fixed
 * rule gets wrong (cuDNN's benchmark mode and ONNX Runtime's kernel tuning do the same); since every
 * way is exact, the choice changes the speed and never the output.
 *
 * <p>Per shape class, the ways first take turns untimed for {@link #WARM_UP_NANOS} (the JIT compiles
 * them meanwhile), then in turn until each has run {@link #TRIALS} times (or declined: a way
 * returns null when it does not apply to an input, e.g. a range too wide for int16 runs); the first
 * runs of each are not counted ({@link #UNCOUNTED}), and the way with the least time of its other
 * runs is used from then on (the least, not the median: noise on a shared machine only adds time).
 * If the chosen way declines a later input, the first way in the list's order that applies runs
 * instead.
 *
 * <p>{@code -Dlowbit.kernel.choice=first} turns the measuring off: then the first way that applies
 * runs, every time, and callers give ways filtered by their fixed rules.
 */
final class FastestWay<T> {
    /** How ways are chosen. */
    enum Policy { MEASURE, FIRST }

    /** {@code -Dlowbit.kernel.choice=measure|first}; tests set it directly. */
    static volatile Policy policy = Policy.valueOf(System.getProperty("lowbit.kernel.choice", "measure")
            .toUpperCase(Locale.ROOT));
    /** Runs per way while measuring; the first {@link #UNCOUNTED} are not counted. */
    static final int TRIALS = 5;
    /** Measured runs of each way not counted: the first pays for caches filled on first use (packed weights). */
    static final int UNCOUNTED = 1;
    /**
     * How long a shape class takes turns through its ways untimed before measuring: the JIT compiles
     * a way's loops only once they have run a while, in the background, and until then a kernel runs
     * several times slower than it will, which made small models' nodes (a few hundred microseconds
     * a call) choose from the order they tried the ways in.
     */
    static final long WARM_UP_NANOS = 1_000_000_000L;

    /** Shape classes measured per node at most; inputs of further classes take the first way that applies. */
    static final int MAX_CLASSES = 32;

    /** Shape classes still being measured, over all nodes of all sessions ({@link KernelChoices#pending}). */
    static final AtomicInteger PENDING = new AtomicInteger();

    private final Map<String, Tally> tallies = new ConcurrentHashMap<>();
    private final LongSupplier clock;

    private final long warmUpNanos;

    FastestWay() {
        this(System::nanoTime, WARM_UP_NANOS);
    }

    /** With another clock and warm-up (tests). */
    FastestWay(LongSupplier clock, long warmUpNanos) {
        this.clock = clock;
        this.warmUpNanos = warmUpNanos;
    }

    /** Whether ways are chosen by measuring (else by the first that applies). */
    static boolean measuring() {
        return policy == Policy.MEASURE;
    }

    /**
     * The result of one of {@code ways} (in order of preference, each returning null when it does not
     * apply) for an input of this shape; null when none applies.
     */
    T run(int[] shape, List<Supplier<T>> ways) {
        if (!measuring()) {
            return firstApplicable(ways, -1);
        }
        Tally tally = tally(shape, ways.size());
        if (tally == null) {
            return firstApplicable(ways, -1);
        }
        int chosen = tally.chosen;
        if (chosen >= 0) {
            T result = ways.get(chosen).get();
            return result != null ? result : firstApplicable(ways, chosen);
        }
        long start = clock.getAsLong();
        boolean warming = start - tally.born < warmUpNanos;
        int next = warming ? tally.nextTurn() : tally.next();
        if (next < 0) {
            return firstApplicable(ways, -1);
        }
        T result = ways.get(next).get();
        tally.record(next, result == null ? -1 : clock.getAsLong() - start, !warming);
        return result != null ? result : firstApplicable(ways, next);
    }

    /** The index of the way chosen for this shape, or -1 while still measuring (for tests and reports). */
    int chosen(int[] shape) {
        Tally tally = tallies.get(key(shape));
        return tally == null ? -1 : tally.chosen;
    }

    /** The measurements of the shape's class; null once {@link #MAX_CLASSES} classes are measured. */
    private Tally tally(int[] shape, int ways) {
        String key = key(shape);
        Tally tally = tallies.get(key);
        if (tally == null && tallies.size() < MAX_CLASSES) {
            tally = tallies.computeIfAbsent(key, k -> {
                PENDING.incrementAndGet();
                return new Tally(ways, clock.getAsLong());
            });
        }
        return tally;
    }

    /**
     * The class of a shape: each extent rounded up to a power of two. A transformer called with a
     * different sequence length each time would otherwise measure forever, running the slower ways
     * on most calls; within a class the same way is (close to) the fastest.
     */
    static String key(int[] shape) {
        int[] rounded = new int[shape.length];
        for (int i = 0; i < shape.length; i++) {
            rounded[i] = shape[i] <= 1 ? shape[i] : Integer.highestOneBit(shape[i] - 1) << 1;
        }
        return Arrays.toString(rounded);
    }

    private T firstApplicable(List<Supplier<T>> ways, int skip) {
        for (int i = 0; i < ways.size(); i++) {
            if (i != skip) {
                T result = ways.get(i).get();
                if (result != null) {
                    return result;
                }
            }
        }
        return null;
    }

    /** The measurements of one shape. */
    private static final class Tally {
        private final int[] runs;
        private final long[] best;
        private final boolean[] declined;
        /** When the class was first seen: its warm-up runs until {@link #warmUpNanos} later. */
        private final long born;
        private volatile int chosen = -1;
        private boolean settled;
        private int turn;

        Tally(int ways, long born) {
            this.born = born;
            runs = new int[ways];
            best = new long[ways];
            declined = new boolean[ways];
            Arrays.fill(best, Long.MAX_VALUE);
        }

        /** The way with the fewest runs among those still measured; -1 when all declined. */
        synchronized int next() {
            int pick = -1;
            for (int i = 0; i < runs.length; i++) {
                if (!declined[i] && (pick < 0 || runs[i] < runs[pick])) {
                    pick = i;
                }
            }
            return pick;
        }

        /** During the warm-up: the ways in turn, skipping those that declined; -1 when all did. */
        synchronized int nextTurn() {
            for (int tries = 0; tries < runs.length; tries++) {
                int i = turn++ % runs.length;
                if (!declined[i]) {
                    return i;
                }
            }
            return -1;
        }

        /** One run of way i: its time in ns, or -1 when it declined; {@code counted} false in the warm-up. */
        synchronized void record(int i, long nanos, boolean counted) {
            if (nanos < 0) {
                declined[i] = true;
            } else if (counted && runs[i]++ >= UNCOUNTED) {
                best[i] = Math.min(best[i], nanos);
            }
            if (!counted) {
                return;
            }
            if (settled) {
                return;
            }
            int pick = -1;
            for (int w = 0; w < runs.length; w++) {
                if (declined[w]) {
                    continue;
                }
                if (runs[w] < TRIALS) {
                    return;
                }
                if (pick < 0 || best[w] < best[pick]) {
                    pick = w;
                }
            }
            chosen = pick; // -1 when every way declined: then the first that applies runs each time
            settled = true;
            PENDING.decrementAndGet();
        }
    }
}
