package dev.lowbit.cli;

import dev.lowbit.OutputQuality;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The table of compared tensors that {@code compare} and {@code eval --reference} print, and its JSON form. */
final class ComparisonTable {
    private ComparisonTable() {
    }

    /** The header, then one line per row. */
    static void print(List<OutputQuality> rows) {
        System.out.printf("%-28s %-28s %9s %9s %11s %11s  %s%n", "tensor", "producer", "SQNR dB", "cosine", "max |err|",
                "cos/sample", "agreement");
        rows(rows);
    }

    static void rows(List<OutputQuality> rows) {
        for (OutputQuality r : rows) {
            System.out.printf("%-28s %-28s %9.2f %9.6f %11.5f %11s  %s%n", clip(r.tensor()), clip(r.producer()),
                    r.sqnrDb(), r.cosine(), r.maxAbsError(),
                    Double.isNaN(r.meanSampleCosine()) ? "" : String.format("%.6f", r.meanSampleCosine()), agreement(r));
        }
    }

    /**
     * The rows as the {@code --json} output has always written them: agreements in percent, keys
     * in this order.
     */
    static List<Map<String, Object>> json(List<OutputQuality> rows) {
        return rows.stream().map(r -> {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("tensor", r.tensor());
            m.put("producer", r.producer());
            m.put("sqnrDb", r.sqnrDb());
            m.put("cosine", r.cosine());
            m.put("maxAbsError", r.maxAbsError());
            m.put("top1Agreement", 100 * r.top1Agreement());
            m.put("meanSampleCosine", r.meanSampleCosine());
            m.put("minSampleCosine", r.minSampleCosine());
            m.put("maskIou", r.maskIou());
            m.put("decodeAgreement", 100 * r.decodeAgreement());
            return m;
        }).toList();
    }

    /** What the output's users decide from it, agreeing: top-1, mask IoU or decoded sequences. */
    private static String agreement(OutputQuality r) {
        if (!Double.isNaN(r.top1Agreement())) {
            return String.format("top-1 %.2f%%", 100 * r.top1Agreement());
        }
        if (!Double.isNaN(r.maskIou())) {
            return String.format("mask IoU %.4f", r.maskIou());
        }
        if (!Double.isNaN(r.decodeAgreement())) {
            return String.format("CTC decodes %.2f%%", 100 * r.decodeAgreement());
        }
        return "";
    }

    static String clip(String s) {
        return s.length() <= 28 ? s : "…" + s.substring(s.length() - 27);
    }
}
