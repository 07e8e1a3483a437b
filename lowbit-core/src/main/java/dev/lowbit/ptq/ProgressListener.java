package dev.lowbit.ptq;

/** Receives progress of long steps (calibration batches, candidate scoring); the CLI draws bars. */
@FunctionalInterface
public interface ProgressListener {
    /** {@code done} of {@code total} units of {@code phase} are finished ({@code total} may be -1 if unknown). */
    void update(String phase, long done, long total);

    ProgressListener NONE = (phase, done, total) -> { };
}
