package dev.lowbit.calib;

import dev.lowbit.tensor.Tensor;

/**
 * Accumulates statistics of the values one tensor takes during calibration. Streaming (call
 * {@code observe} once per batch), mergeable (observers filled on different shards can be combined
 * with {@link #merge}), with memory independent of how much data is seen.
 */
public interface Observer {
    /** Adds {@code data[offset, offset+length)} (per-tensor observers). */
    void observe(float[] data, int offset, int length);

    /** Adds every value of a tensor (its shape matters to per-channel observers). */
    default void observe(Tensor t) {
        float[] f = t.toFloatArray();
        observe(f, 0, f.length);
    }

    /** Adds what {@code other} (same class and configuration) has seen, as if observed here. */
    void merge(Observer other);

    /** The calibrated range (per tensor or per channel); an empty observer reports [0, 0]. */
    Ranges range();

    /** Number of finite values seen. */
    long count();

    /** Number of NaN or infinite values seen and excluded. */
    long nonFiniteCount();
}
