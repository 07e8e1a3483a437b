package dev.lowbit.tensor;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinTask;

/**
 * Splits loops across cores. One shared pool, sized by {@link #setThreads(int)} (default: all
 * available processors). Calls made from inside a pool worker run inline, so nested parallel
 * kernels never oversubscribe the machine.
 */
public final class Parallel {
    /** A loop body over the half-open range [start, end). */
    @FunctionalInterface
    public interface RangeBody {
        void run(int start, int end);
    }

    private static volatile int threads = Runtime.getRuntime().availableProcessors();
    /** threads − 1 workers: the calling thread runs one chunk itself instead of waiting idle. */
    private static volatile ForkJoinPool pool = new ForkJoinPool(Math.max(1, threads - 1));
    /** Set while a thread runs a chunk, so nested parallel kernels run inline on it. */
    private static final ThreadLocal<boolean[]> INSIDE = ThreadLocal.withInitial(() -> new boolean[1]);

    private Parallel() {
    }

    public static int threads() {
        return threads;
    }

    /** Sets the number of worker threads kernels use (1 = single-threaded). */
    public static synchronized void setThreads(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("threads must be >= 1, got " + n);
        }
        if (n != threads) {
            ForkJoinPool old = pool;
            pool = new ForkJoinPool(Math.max(1, n - 1));
            threads = n;
            old.shutdown();
        }
    }

    private static boolean nested() {
        return ForkJoinTask.inForkJoinPool() || INSIDE.get()[0];
    }

    /** A loop body over one index. */
    @FunctionalInterface
    public interface IndexBody {
        void run(int index);
    }

    /**
     * Runs {@code body} for every index in [0, n), on up to {@link #threads()} workers that each
     * take the next index as they finish one. Unlike the fixed split of {@link #forRange}, a worker
     * that is slowed down (uneven items, another process on the core) just takes fewer items, so
     * use this for a few dozen heavy items such as the images of a batch. Inline when nested.
     */
    public static void forEachDynamic(int n, IndexBody body) {
        int workers = Math.min(threads, n);
        if (workers <= 1 || nested()) {
            for (int i = 0; i < n; i++) {
                body.run(i);
            }
            return;
        }
        java.util.concurrent.atomic.AtomicInteger next = new java.util.concurrent.atomic.AtomicInteger();
        forRange(workers, 1, (w0, w1) -> {
            for (int i = next.getAndIncrement(); i < n; i = next.getAndIncrement()) {
                body.run(i);
            }
        });
    }

    /**
     * Runs {@code body} over [0, n) in chunks of at least {@code grain} iterations, in parallel when
     * there is enough work and more than one thread. Returns when every chunk has finished.
     */
    public static void forRange(int n, int grain, RangeBody body) {
        if (n <= 0) {
            return;
        }
        int t = threads;
        int chunks = Math.min(t, Math.max(1, n / Math.max(1, grain)));
        if (chunks <= 1 || nested()) {
            body.run(0, n);
            return;
        }
        // A few more chunks than threads evens out load when chunks take unequal time.
        chunks = Math.min(n, chunks * (n >= 4 * chunks ? 2 : 1));
        List<ForkJoinTask<?>> tasks = new ArrayList<>(chunks);
        ForkJoinPool p = pool;
        for (int c = 1; c < chunks; c++) {
            int start = (int) ((long) n * c / chunks);
            int end = (int) ((long) n * (c + 1) / chunks);
            tasks.add(p.submit(() -> body.run(start, end)));
        }
        RuntimeException failure = null;
        boolean[] inside = INSIDE.get();
        inside[0] = true;
        try { // the caller's share: no idle (or spinning) thread competing with the workers for a core
            body.run(0, (int) ((long) n / chunks));
        } catch (RuntimeException e) {
            failure = e;
        } finally {
            inside[0] = false;
        }
        for (ForkJoinTask<?> task : tasks) {
            try {
                task.join();
            } catch (RuntimeException e) {
                if (failure == null) {
                    failure = e;
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }
}
