package dev.lowbit.engine;

import dev.lowbit.ops.KernelChoices;
import dev.lowbit.tensor.Tensor;
import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.util.Arrays;
import java.util.Map;

/**
 * Latency of an {@link Engine} on fixed inputs: warm-up runs, then timed runs summarised by their
 * median (robust on shared, noisy machines), p90, mean and minimum.
 */
public final class Benchmark {
    /** Timing statistics in milliseconds per batch, and items per second at the median. */
    public record Result(String engine, double medianMs, double p90Ms, double meanMs, double minMs, double itemsPerSecond) {
    }

    /** Called after each run (warm-up or timed), e.g. to draw progress. */
    public interface Listener {
        void ran();
    }

    private Benchmark() {
    }

    /** Extra warm-up never runs longer than this after it began, however busy the JIT stays. */
    static final double JIT_QUIET_SECONDS = 2.0, JIT_MAX_SECONDS = 30.0;

    /**
     * Warms {@code engine} up: {@code runs} runs (each reported to {@code listener}), then more until
     * {@code seconds} have passed (at most 1000), then, when {@code seconds > 0}, until the JIT has compiled
     * nothing for 2 s and every node has chosen its kernels ({@link KernelChoices}; at most 30 s in all). Timing before that measures the compiler: with a few runs a
     * batch-32 run of a small CNN finishes before its kernels are compiled, and on a 2-core machine the
     * compiler threads take a core from a 2-thread run, so timings varied twofold between JVM starts.
     */
    public static void warmUp(Engine engine, Map<String, Tensor> feed, int runs, double seconds, Listener listener) {
        long start = System.nanoTime();
        for (int i = 0; i < runs; i++) {
            engine.run(feed);
            if (listener != null) {
                listener.ran();
            }
        }
        for (int extra = 0; extra < 1000 && System.nanoTime() - start < seconds * 1e9; extra++) {
            engine.run(feed);
        }
        if (seconds > 0) {
            untilCompilerIdle(engine, feed, start);
        }
    }

    /**
     * Runs until the JIT has compiled nothing for {@link #JIT_QUIET_SECONDS} and no kernel choice is
     * still being measured ({@link KernelChoices}), at most until {@link #JIT_MAX_SECONDS} after start.
     */
    private static void untilCompilerIdle(Engine engine, Map<String, Tensor> feed, long start) {
        CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
        boolean monitored = jit != null && jit.isCompilationTimeMonitoringSupported();
        long last = monitored ? jit.getTotalCompilationTime() : 0;
        long quietSince = monitored ? System.nanoTime() : 0;
        while ((System.nanoTime() - quietSince < JIT_QUIET_SECONDS * 1e9 || KernelChoices.pending() > 0)
                && System.nanoTime() - start < JIT_MAX_SECONDS * 1e9) {
            engine.run(feed);
            long now = monitored ? jit.getTotalCompilationTime() : 0;
            if (now != last) {
                last = now;
                quietSince = System.nanoTime();
            }
        }
    }

    /** Runs {@code warmup} untimed then {@code iters} timed runs of {@code feed}; {@code batch} converts to items/s. */
    public static Result measure(Engine engine, Map<String, Tensor> feed, int batch, int warmup, int iters, Listener listener) {
        warmUp(engine, feed, warmup, 0, listener);
        long[] nanos = new long[iters];
        for (int i = 0; i < iters; i++) {
            long t0 = System.nanoTime();
            engine.run(feed);
            nanos[i] = System.nanoTime() - t0;
            if (listener != null) {
                listener.ran();
            }
        }
        return stats(engine.name(), nanos, batch);
    }

    /** Median, p90 (nearest rank), mean and min of run times, and items/s at the median. */
    public static Result stats(String engine, long[] nanos, int batch) {
        long[] s = nanos.clone();
        Arrays.sort(s);
        double median = s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2.0;
        double p90 = s[Math.min(s.length - 1, (int) Math.ceil(0.9 * s.length) - 1)];
        double mean = Arrays.stream(s).average().orElse(0);
        return new Result(engine, median / 1e6, p90 / 1e6, mean / 1e6, s[0] / 1e6, batch / (median / 1e9));
    }
}
