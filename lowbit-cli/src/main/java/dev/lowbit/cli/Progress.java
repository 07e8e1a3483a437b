package dev.lowbit.cli;

import java.io.PrintStream;
import java.util.Locale;

/**
 * A progress indicator for long commands (bench, calibration, training), written to stderr so it
 * never mixes with data on stdout. On a terminal it redraws one line: a bar, the count, the rate
 * and the time left. Otherwise (logs, pipes, tests) it prints a plain line at most every
 * {@code interval} and one when done.
 *
 * <pre>{@code
 * Progress p = Progress.stderr("bench java", iters, "runs");
 * for (...) { ...; p.step(); }
 * p.done();
 * }</pre>
 */
public final class Progress {
    private static final int BAR = 24;

    private final PrintStream out;
    private final String label;
    private final long total;
    private final String unit;
    private final boolean tty;
    private final long intervalNanos;
    private final long start = System.nanoTime();
    private long count;
    private long lastPrint = start;
    private boolean finished;
    private String detail = "";

    /**
     * @param out where to draw (normally {@code System.err})
     * @param label what is progressing, e.g. {@code "bench java"}
     * @param total expected number of steps (0 when unknown: no bar, no ETA)
     * @param unit what a step is, e.g. {@code "runs"} or {@code "batches"}
     * @param tty whether {@code out} is a terminal (redraw in place) or a log (periodic lines)
     * @param intervalMillis minimum time between two updates
     */
    public Progress(PrintStream out, String label, long total, String unit, boolean tty, long intervalMillis) {
        this.out = out;
        this.label = label;
        this.total = Math.max(0, total);
        this.unit = unit;
        this.tty = tty;
        this.intervalNanos = intervalMillis * 1_000_000L;
    }

    /** A progress indicator on stderr; redraws on a terminal, else a line every 5 s. */
    public static Progress stderr(String label, long total, String unit) {
        boolean tty = isTerminal();
        return new Progress(System.err, label, total, unit, tty, tty ? 100 : 5000);
    }

    /** Whether stderr looks like an interactive terminal. */
    static boolean isTerminal() {
        java.io.Console c = System.console();
        if (c == null || System.getenv("TERM") == null || "dumb".equals(System.getenv("TERM"))) {
            return false;
        }
        try {
            // JDK 22+ returns a Console even when redirected; isTerminal() tells the truth there.
            return (Boolean) java.io.Console.class.getMethod("isTerminal").invoke(c);
        } catch (ReflectiveOperationException e) {
            return true; // JDK 21: System.console() is null unless stdin and stdout are a terminal
        }
    }

    /** One more step done. */
    public void step() {
        advance(1);
    }

    /** {@code n} more steps done. */
    public void advance(long n) {
        count += n;
        long now = System.nanoTime();
        if (now - lastPrint >= intervalNanos) {
            lastPrint = now;
            print(now, false);
        }
    }

    /** Text shown after the rate, e.g. a running loss; shown from the next update on. */
    public void detail(String text) {
        this.detail = text == null ? "" : text;
    }

    /** Steps done so far. */
    public long count() {
        return count;
    }

    /** Prints the final state (and ends the redrawn line on a terminal). Idempotent. */
    public void done() {
        if (finished) {
            return;
        }
        finished = true;
        print(System.nanoTime(), true);
    }

    /** The status text without decoration, e.g. {@code "bench java 12/50 runs  3.1 runs/s  ETA 12s"}. */
    String status(long now, boolean last) {
        double seconds = Math.max(1e-9, (now - start) / 1e9);
        double rate = count / seconds;
        StringBuilder sb = new StringBuilder(label).append(' ');
        if (tty && total > 0) {
            int filled = (int) Math.min(BAR, BAR * count / total);
            sb.append('[').append("#".repeat(filled)).append(".".repeat(BAR - filled)).append("] ");
        }
        sb.append(count);
        if (total > 0) {
            sb.append('/').append(total);
        }
        sb.append(' ').append(unit).append(String.format(Locale.ROOT, "  %.1f %s/s", rate, unit));
        if (!detail.isEmpty()) {
            sb.append("  ").append(detail);
        }
        if (last) {
            sb.append("  in ").append(duration(seconds));
        } else if (total > 0 && rate > 0 && count < total) {
            sb.append("  ETA ").append(duration((total - count) / rate));
        }
        return sb.toString();
    }

    private void print(long now, boolean last) {
        String s = status(now, last);
        if (tty) {
            out.print("\r\033[K" + s + (last ? "\n" : ""));
        } else {
            out.println(s);
        }
        out.flush();
    }

    static String duration(double seconds) {
        if (seconds < 60) {
            return String.format(Locale.ROOT, seconds < 10 ? "%.1fs" : "%.0fs", seconds);
        }
        long s = Math.round(seconds);
        return s < 3600 ? String.format(Locale.ROOT, "%dm%02ds", s / 60, s % 60)
                : String.format(Locale.ROOT, "%dh%02dm", s / 3600, (s % 3600) / 60);
    }
}
