package dev.lowbit.cli;

import dev.lowbit.eval.ModelComparison;
import java.util.List;

/** The table of compared tensors that {@code compare} and {@code eval --reference} print. */
final class ComparisonTable {
    private ComparisonTable() {
    }

    /** The header, then one line per row. */
    static void print(List<ModelComparison.Row> rows) {
        System.out.printf("%-28s %-28s %9s %9s %11s %11s  %s%n", "tensor", "producer", "SQNR dB", "cosine", "max |err|",
                "cos/sample", "agreement");
        rows(rows);
    }

    static void rows(List<ModelComparison.Row> rows) {
        for (ModelComparison.Row r : rows) {
            System.out.printf("%-28s %-28s %9.2f %9.6f %11.5f %11s  %s%n", clip(r.tensor()), clip(r.producer()),
                    r.sqnrDb(), r.cosine(), r.maxAbsError(),
                    Double.isNaN(r.meanSampleCosine()) ? "" : String.format("%.6f", r.meanSampleCosine()), agreement(r));
        }
    }

    /** What the output's users decide from it, agreeing: top-1, mask IoU or decoded sequences. */
    private static String agreement(ModelComparison.Row r) {
        if (!Double.isNaN(r.top1Agreement())) {
            return String.format("top-1 %.2f%%", r.top1Agreement());
        }
        if (!Double.isNaN(r.maskIou())) {
            return String.format("mask IoU %.4f", r.maskIou());
        }
        if (!Double.isNaN(r.decodeAgreement())) {
            return String.format("CTC decodes %.2f%%", r.decodeAgreement());
        }
        return "";
    }

    static String clip(String s) {
        return s.length() <= 28 ? s : "…" + s.substring(s.length() - 27);
    }
}
