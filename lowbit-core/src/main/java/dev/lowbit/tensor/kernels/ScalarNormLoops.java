package dev.lowbit.tensor.kernels;

/** Normalization and softmax rows in plain Java (float arithmetic, like the vector loops' tails). */
final class ScalarNormLoops implements NormLoops {
    @Override
    public void channelAffine(float[] x, float[] y, int off, int len, float[] a, float[] b) {
        for (int c = 0; c < len; c++) {
            y[off + c] = x[off + c] * a[c] + b[c];
        }
    }

    @Override
    public void scaleShift(float[] x, float[] y, int off, int len, float a, float b) {
        for (int i = 0; i < len; i++) {
            y[off + i] = x[off + i] * a + b;
        }
    }

    @Override
    public void normalize(float[] x, float[] y, int off, int len, float mean, float invStd, float[] scale,
            float[] bias) {
        for (int i = 0; i < len; i++) {
            float n = (x[off + i] - mean) * invStd * scale[i];
            y[off + i] = bias == null ? n : n + bias[i];
        }
    }

    @Override
    public double squaredDeviation(float[] x, int off, int len, float mean) {
        double sum = 0;
        for (int i = 0; i < len; i++) {
            float d = x[off + i] - mean;
            sum += d * d;
        }
        return sum;
    }

    @Override
    public void softmaxRow(float[] x, float[] out, int off, int len, boolean log) {
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < len; i++) {
            max = Math.max(max, x[off + i]);
        }
        float sum = 0;
        for (int i = 0; i < len; i++) {
            float e = (float) Math.exp(x[off + i] - max);
            if (!log) {
                out[off + i] = e;
            }
            sum += e;
        }
        if (log) {
            // (x - max) - log(sum): subtracting max first keeps values near the maximum exact.
            float logSum = (float) Math.log(sum);
            for (int i = 0; i < len; i++) {
                out[off + i] = (x[off + i] - max) - logSum;
            }
        } else {
            float scale = 1f / sum;
            for (int i = 0; i < len; i++) {
                out[off + i] *= scale;
            }
        }
    }
}
