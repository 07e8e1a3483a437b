package dev.lowbit.tensor.kernels;

/**
 * 2-D pooling rows in plain Java. The interior loops leave every column to {@link PoolFloat2d}'s own
 * scalar loop, which handles strides and dilations too.
 */
final class ScalarPoolLoops implements PoolLoops {
    @Override
    public void combineRow(float[] x, int off, float[] row, int w, boolean max) {
        for (int i = 0; i < w; i++) {
            row[i] = max ? Math.max(row[i], x[off + i]) : row[i] + x[off + i];
        }
    }

    @Override
    public void maxOverPhases(float[] phases, int phW, int sw, int kw, int dw, float[] y, int out, int ow) {
        for (int c = 0; c < ow; c++) {
            float acc = phases[c];
            for (int j = 1; j < kw; j++) {
                int t = j * dw;
                acc = Math.max(acc, phases[(t % sw) * phW + t / sw + c]);
            }
            y[out + c] = acc;
        }
    }

    @Override
    public int interiorMax(float[] row, float[] y, int out, int c, int hi, int pl, int kw) {
        return c;
    }

    @Override
    public int interiorAverage(float[] row, float[] y, int out, int c, int hi, int pl, int kw, float inv) {
        return c;
    }
}
