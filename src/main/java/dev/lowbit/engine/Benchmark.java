package dev.lowbit.engine;

import dev.lowbit.tensor.Tensor;
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

    /** Runs {@code warmup} untimed then {@code iters} timed runs of {@code feed}; {@code batch} converts to items/s. */
    public static Result measure(Engine engine, Map<String, Tensor> feed, int batch, int warmup, int iters, Listener listener) {
        for (int i = 0; i < warmup; i++) {
            engine.run(feed);
            if (listener != null) {
                listener.ran();
            }
        }
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
