package dev.lowbit.tensor.kernels;

import dev.lowbit.tensor.Parallel;
import java.util.Arrays;

/**
 * Float 2-D max and average pooling, the CNN hot path. A window's max (or sum) is separable, so
 * each output row is computed in two passes: a vertical pass combines the window's input rows
 * into a row buffer (contiguous, vectorised across the whole width whatever the stride), then a
 * horizontal pass combines buffer columns (vectorised across output columns when the stride and
 * dilation are 1). Planes (batch x channel) are split across cores; the row loops are the
 * provider's {@link PoolLoops}.
 */
public final class PoolFloat2d {
    private static final PoolLoops LOOPS = VectorizationProvider.get().pool();
    /** Floats after each stride phase: a whole vector of the widest species (512 bits) fits. */
    private static final int PHASE_SLACK = 16;

    private PoolFloat2d() {
    }

    /** Max pooling of {@code planes} planes; {@code g} must be 2-D. */
    public static void maxPool(float[] x, float[] y, int planes, PoolGeometry g) {
        run(x, y, planes, g, true, false);
    }

    /** Average pooling; see {@link PoolReference#pool} for {@code countIncludePad}. */
    public static void averagePool(float[] x, float[] y, int planes, PoolGeometry g, boolean countIncludePad) {
        run(x, y, planes, g, false, countIncludePad);
    }

    private static void run(float[] x, float[] y, int planes, PoolGeometry g, boolean max, boolean includePad) {
        if (g.rank() != 2) {
            throw new IllegalArgumentException("PoolFloat2d needs 2-D geometry, got rank " + g.rank());
        }
        int work = g.outPlaneSize() * g.kernel()[0] * g.kernel()[1];
        Parallel.forRange(planes, Math.max(1, 16384 / Math.max(1, work)), (start, end) -> {
            float[] row = new float[g.in()[1]];
            float[] phases = new float[phasesSize(g)];
            for (int plane = start; plane < end; plane++) {
                plane(x, plane * g.inPlaneSize(), y, plane * g.outPlaneSize(), g, max, includePad, row, phases);
            }
        });
    }

    private static void plane(float[] x, int xOff, float[] y, int yOff, PoolGeometry g, boolean max,
            boolean includePad, float[] row, float[] phases) {
        int h = g.in()[0];
        int w = g.in()[1];
        int oh = g.out()[0];
        int ow = g.out()[1];
        int kh = g.kernel()[0];
        int kw = g.kernel()[1];
        int sh = g.strides()[0];
        int sw = g.strides()[1];
        int dh = g.dilations()[0];
        int dw = g.dilations()[1];
        int pt = g.padBegin()[0];
        int pl = g.padBegin()[1];
        float empty = max ? Float.NEGATIVE_INFINITY : 0f;
        for (int r = 0; r < oh; r++) {
            int top = r * sh - pt;
            int rowsValid = 0;
            int rowsPadded = 0;
            for (int i = 0; i < kh; i++) {
                int ih = top + i * dh;
                if (ih >= -pt && ih < h + g.padEnd()[0]) {
                    rowsPadded++;
                }
                if (ih < 0 || ih >= h) {
                    continue;
                }
                if (rowsValid++ == 0) {
                    System.arraycopy(x, xOff + ih * w, row, 0, w);
                } else {
                    LOOPS.combineRow(x, xOff + ih * w, row, w, max);
                }
            }
            if (rowsValid == 0) {
                Arrays.fill(row, empty);
            }
            int out = yOff + r * ow;
            if (max && (sw > 1 || dw > 1)) {
                maxRowStrided(row, y, out, g, phases);
                continue;
            }
            // Output columns whose whole window lies inside the row: the vectorisable interior.
            int lo = Math.min(ow, ceilDivPositive(pl, sw));
            int hi = Math.max(lo, Math.min(ow, (w - (kw - 1) * dw + pl - 1) / sw + 1));
            if (w - (kw - 1) * dw + pl - 1 < 0) {
                hi = lo;
            }
            int c = 0;
            for (; c < lo; c++) {
                y[out + c] = edgeColumn(row, c, g, max, includePad, rowsValid, rowsPadded);
            }
            if (sw == 1 && dw == 1 && !max) {
                float inv = 1f / ((includePad ? rowsPadded : rowsValid) * kw);
                c = LOOPS.interiorAverage(row, y, out, c, hi, pl, kw, inv);
            } else if (sw == 1 && dw == 1) {
                c = LOOPS.interiorMax(row, y, out, c, hi, pl, kw);
            }
            for (; c < hi; c++) {
                int left = c * sw - pl;
                float acc = row[left];
                for (int j = 1; j < kw; j++) {
                    float v = row[left + j * dw];
                    acc = max ? Math.max(acc, v) : acc + v;
                }
                y[out + c] = max ? acc : acc / ((includePad ? rowsPadded : rowsValid) * kw);
            }
            for (; c < ow; c++) {
                y[out + c] = edgeColumn(row, c, g, max, includePad, rowsValid, rowsPadded);
            }
        }
    }

    /** Columns of one phase of the padded row (with a vector of slack). */
    private static int phaseWidth(PoolGeometry g) {
        int sw = g.strides()[1];
        int padded = (g.out()[1] - 1) * sw + (g.kernel()[1] - 1) * g.dilations()[1] + 1;
        return (padded + sw - 1) / sw + PHASE_SLACK;
    }

    private static int phasesSize(PoolGeometry g) {
        return g.strides()[1] * phaseWidth(g);
    }

    /**
     * The horizontal max of one row for a strided or dilated window (3x3 stride 2 in ResNet stems),
     * vectorised: the row is split into stride phases padded with -inf (phase b holds padded columns
     * b, b + sw, ...), so every tap reads consecutive floats of one phase for consecutive outputs, and
     * the padding needs no edge cases (-inf never wins a max).
     */
    private static void maxRowStrided(float[] row, float[] y, int out, PoolGeometry g, float[] phases) {
        int w = g.in()[1], ow = g.out()[1], kw = g.kernel()[1], sw = g.strides()[1], dw = g.dilations()[1];
        int pl = g.padBegin()[1];
        int phW = phaseWidth(g);
        Arrays.fill(phases, 0, sw * phW, Float.NEGATIVE_INFINITY);
        int padded = (ow - 1) * sw + (kw - 1) * dw + 1;
        for (int i = 0, end = Math.min(w, padded - pl); i < end; i++) {
            int p = i + pl;
            phases[(p % sw) * phW + p / sw] = row[i];
        }
        LOOPS.maxOverPhases(phases, phW, sw, kw, dw, y, out, ow);
    }

    /** One output column whose window may hang over the padding. */
    private static float edgeColumn(float[] row, int c, PoolGeometry g, boolean max, boolean includePad,
            int rowsValid, int rowsPadded) {
        int w = g.in()[1];
        int left = c * g.strides()[1] - g.padBegin()[1];
        float acc = max ? Float.NEGATIVE_INFINITY : 0f;
        int valid = 0;
        int padded = 0;
        for (int j = 0; j < g.kernel()[1]; j++) {
            int iw = left + j * g.dilations()[1];
            if (iw >= -g.padBegin()[1] && iw < w + g.padEnd()[1]) {
                padded++;
            }
            if (iw >= 0 && iw < w) {
                valid++;
                acc = max ? Math.max(acc, row[iw]) : acc + row[iw];
            }
        }
        if (max) {
            return acc;
        }
        return acc / (includePad ? rowsPadded * padded : rowsValid * valid);
    }

    private static int ceilDivPositive(int a, int b) {
        return (a + b - 1) / b;
    }
}
