package dev.lowbit.report;

import dev.lowbit.ptq.Sensitivity;
import java.util.ArrayList;
import java.util.List;

/**
 * The ranked per-layer sensitivity table as text lines, most sensitive layer first: what
 * {@code lowbit sensitivity} prints, and what {@code quantize --max-drop} logs before its search.
 */
public final class SensitivityTable {
    private SensitivityTable() {
    }

    /** The header lines, one line per ranked layer, then the time taken. */
    public static List<String> lines(Sensitivity.Result r) {
        List<String> out = new ArrayList<>();
        out.add(String.format("sensitivity on %d images (one layer quantized at a time; %s)", r.samples(),
                r.byAccuracy() ? "ranked by top-1, ties by SQNR" : "ranked by output SQNR"));
        if (r.byAccuracy()) {
            out.add(String.format("float top-1 %.2f%%; everything quantized %.2f%% (SQNR %.2f dB)", r.floatTop1(),
                    r.full().top1(), r.full().sqnrDb()));
        } else {
            out.add(String.format("everything quantized: SQNR %.2f dB", r.full().sqnrDb()));
        }
        out.add(String.format("%4s  %-36s %-18s %9s %9s %10s", "rank", "layer", "op", "top-1", "drop", "SQNR dB"));
        int i = 0;
        for (Sensitivity.Row row : r.ranked()) {
            String op = row.unit().opType() + (row.unit().nodes().size() > 1 ? "+" + (row.unit().nodes().size() - 1) : "");
            String top1 = Double.isNaN(row.score().top1()) ? "-" : String.format("%.2f", row.score().top1());
            out.add(String.format("%4d  %-36s %-18s %9s %9.2f %10.2f", ++i, row.unit().name(), op, top1, row.drop(),
                    row.score().sqnrDb()));
        }
        out.add(String.format("%.1f s", r.millis() / 1000.0));
        return out;
    }
}
