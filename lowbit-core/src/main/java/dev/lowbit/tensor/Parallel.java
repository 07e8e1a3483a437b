package dev.lowbit.tensor;

import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinTask;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.atomic.AtomicInteger;

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
     * Runs {@code body} for every index in [0, n), each index a work item that the next free thread
     * takes: for a few dozen heavy items such as the images of a batch. Inline when nested.
     */
    public static void forEachDynamic(int n, IndexBody body) {
        if (n <= 0) {
            return;
        }
        if (Math.min(threads, n) <= 1 || nested()) {
            for (int i = 0; i < n; i++) {
                body.run(i);
            }
            return;
        }
        run(n, n, (start, end) -> {
            for (int i = start; i < end; i++) {
                body.run(i);
            }
        });
    }

    /** Chunks per thread: enough that a thread slowed down by another process just takes fewer. */
    static final int CHUNKS_PER_THREAD = 4;

    /**
     * Runs {@code body} over [0, n) in chunks of at least {@code grain} iterations, in parallel when
     * there is enough work and more than one thread. Returns when every chunk has finished.
     *
     * <p>Chunk boundaries depend only on {@code n}, {@code grain} and the thread count, never on
     * timing, so results are the same from run to run. Which thread runs a chunk does depend on
     * timing: the calling thread and the workers take the next unclaimed chunk as they finish one,
     * so when another process holds one of the cores the threads that still have a core do the
     * work, instead of every thread waiting for the slowest fixed share.
     */
    public static void forRange(int n, int grain, RangeBody body) {
        if (n <= 0) {
            return;
        }
        int t = threads;
        int maxChunks = Math.max(1, n / Math.max(1, grain));
        if (t <= 1 || maxChunks <= 1 || nested()) {
            body.run(0, n);
            return;
        }
        run(n, Math.min(maxChunks, CHUNKS_PER_THREAD * t), body);
    }

    /** Shares {@code chunks} fixed chunks of [0, n) between the caller and up to threads − 1 workers. */
    private static void run(int n, int chunks, RangeBody body) {
        Job job = new Job(n, chunks, body);
        int helpers = Math.min(threads - 1, chunks - 1);
        ForkJoinPool p = pool;
        for (int i = 0; i < helpers; i++) {
            p.execute(job::work);
        }
        boolean[] inside = INSIDE.get();
        inside[0] = true;
        try {
            job.work();
        } finally {
            inside[0] = false;
        }
        // Wait for chunks other threads are still running, not for helpers that never started (their
        // thread is waiting for a core): they find nothing left to claim when they do start.
        job.awaitAllChunks();
        switch (job.failure) {
            case null -> { }
            case RuntimeException e -> throw e;
            case Error e -> throw e;
            default -> throw new IllegalStateException(job.failure);
        }
    }

    /** The chunks of one parallel loop, claimed one at a time by whichever thread is free. */
    private static final class Job {
        private static final int SPINS = 1 << 10;
        private final int n;
        private final int chunks;
        private final RangeBody body;
        private final AtomicInteger next = new AtomicInteger();
        private final AtomicInteger done = new AtomicInteger();
        private final Thread caller = Thread.currentThread();
        /** The first exception or error of any chunk, rethrown on the calling thread. */
        private volatile Throwable failure;

        Job(int n, int chunks, RangeBody body) {
            this.n = n;
            this.chunks = chunks;
            this.body = body;
        }

        void work() {
            for (int c = next.getAndIncrement(); c < chunks; c = next.getAndIncrement()) {
                try {
                    if (failure == null) { // after a failure the rest are only counted
                        body.run((int) ((long) n * c / chunks), (int) ((long) n * (c + 1) / chunks));
                    }
                } catch (RuntimeException | Error e) {
                    synchronized (this) {
                        if (failure == null) {
                            failure = e;
                        }
                    }
                } finally {
                    if (done.incrementAndGet() == chunks && Thread.currentThread() != caller) {
                        LockSupport.unpark(caller);
                    }
                }
            }
        }

        /** Returns once every chunk has run; the last one to finish wakes the caller up. */
        void awaitAllChunks() {
            for (int spin = 0; done.get() < chunks; spin++) {
                if (spin < SPINS) {
                    Thread.onSpinWait();
                } else {
                    LockSupport.park(this);
                }
            }
        }
    }
}
