package dev.lowbit.cli;

import dev.lowbit.ProgressListener;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;

/**
 * Draws the progress a library call reports as one {@link Progress} bar per phase on stderr, and
 * prints its notes (search traces) on stderr after ending the bars, so {@code --json} on stdout
 * stays one document.
 */
final class ProgressBars implements ProgressListener {
    private final Map<String, Progress> bars = new LinkedHashMap<>();
    private final Function<String, String> unit;

    /** @param unit what one step of a phase is called, by phase ("samples", "layers") */
    ProgressBars(Function<String, String> unit) {
        this.unit = unit;
    }

    @Override
    public void update(String phase, long done, long total) {
        Progress p = bars.computeIfAbsent(phase, k -> Progress.stderr(k, total, unit.apply(k)));
        p.advance(done - p.count());
    }

    @Override
    public void note(String line) {
        done();
        System.err.println(line);
    }

    /** Ends every bar (idempotent). */
    void done() {
        bars.values().forEach(Progress::done);
    }
}
