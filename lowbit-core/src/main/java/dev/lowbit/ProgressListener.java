package dev.lowbit;

/**
 * Hears how a long operation advances, so a caller can draw progress bars or log. lowbit calls it
 * from the thread that runs the operation.
 */
@FunctionalInterface
public interface ProgressListener {
    /**
     * {@code done} of {@code total} units of {@code phase} are finished. Phases are short names
     * such as {@code calibrate}, {@code adaround}, {@code score methods} or {@code eval java}; a
     * phase's {@code done} only grows.
     *
     * @param phase what is being done
     * @param done  units finished so far
     * @param total units in all, or -1 when unknown
     */
    void update(String phase, long done, long total);

    /**
     * A line worth showing a person: the steps of an accuracy or size search, a sensitivity
     * table. Ignored unless overridden.
     *
     * @param line one line of text, without a line break
     */
    default void note(String line) {
    }

    /**
     * A listener that ignores everything.
     *
     * @return the listener
     */
    static ProgressListener none() {
        return (phase, done, total) -> { };
    }
}
