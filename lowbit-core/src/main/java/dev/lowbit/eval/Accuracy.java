package dev.lowbit.eval;

/**
 * Streaming top-1 / top-5 accuracy of classifier logits against integer labels. Ties in the
 * logits are broken toward the lower class index, as argmax does.
 */
public final class Accuracy {
    private long seen;
    private long top1;
    private long top5;

    /** Adds a batch: {@code logits} is [batch, classes] row-major. */
    public void add(float[] logits, int classes, long[] labels) {
        int batch = labels.length;
        for (int b = 0; b < batch; b++) {
            int off = b * classes;
            long label = labels[b];
            float target = label >= 0 && label < classes ? logits[off + (int) label] : Float.NEGATIVE_INFINITY;
            int better = 0;
            for (int c = 0; c < classes; c++) {
                float v = logits[off + c];
                if (v > target || (v == target && c < label)) {
                    better++;
                }
            }
            seen++;
            if (better == 0) {
                top1++;
            }
            if (better < 5) {
                top5++;
            }
        }
    }

    public long count() {
        return seen;
    }

    /** Rows whose label has the largest value. */
    public long top1Count() {
        return top1;
    }

    /** Rows whose label is among the five largest values. */
    public long top5Count() {
        return top5;
    }

    /** Top-1 accuracy in percent. */
    public double top1() {
        return seen == 0 ? 0 : 100.0 * top1 / seen;
    }

    /** Top-5 accuracy in percent. */
    public double top5() {
        return seen == 0 ? 0 : 100.0 * top5 / seen;
    }

    /** Index of the largest value of row {@code b} (lowest index on ties). */
    public static int argmax(float[] logits, int classes, int b) {
        int best = 0;
        int off = b * classes;
        for (int c = 1; c < classes; c++) {
            if (logits[off + c] > logits[off + best]) {
                best = c;
            }
        }
        return best;
    }
}
