package dev.lowbit.tensor.kernels;

/**
 * Scalar double-precision normalization kernels. They compute the non-float dtypes and the rarer
 * ops (LRN, LpNormalization, MeanVarianceNormalization), and are the references the float
 * kernels of {@link NormFloat} are tested against. Tensors are viewed as outer x axis x inner.
 */
public final class NormReference {
    private NormReference() {
    }

    /** Inference batch normalization with per-channel statistics. */
    public static void batchNorm(double[] x, double[] y, int outer, int channels, int inner, double[] scale,
            double[] bias, double[] mean, double[] var, double eps) {
        for (int o = 0; o < outer; o++) {
            for (int c = 0; c < channels; c++) {
                double a = scale[c] / Math.sqrt(var[c] + eps);
                int off = (o * channels + c) * inner;
                for (int i = 0; i < inner; i++) {
                    y[off + i] = (x[off + i] - mean[c]) * a + bias[c];
                }
            }
        }
    }

    /** Per-channel mean and population variance over the outer and inner axes (training-mode BN). */
    public static void channelMoments(double[] x, int outer, int channels, int inner, double[] mean, double[] var) {
        long count = (long) outer * inner;
        for (int c = 0; c < channels; c++) {
            double sum = 0;
            for (int o = 0; o < outer; o++) {
                for (int i = 0; i < inner; i++) {
                    sum += x[(o * channels + c) * inner + i];
                }
            }
            double m = sum / count;
            double sq = 0;
            for (int o = 0; o < outer; o++) {
                for (int i = 0; i < inner; i++) {
                    double d = x[(o * channels + c) * inner + i] - m;
                    sq += d * d;
                }
            }
            mean[c] = m;
            var[c] = sq / count;
        }
    }

    /** Row normalization; see {@link NormFloat#layerNorm}. {@code bias}, the outputs may be null. */
    public static void layerNorm(double[] x, double[] y, int rows, int cols, double[] scale, double[] bias,
            double eps, double[] meanOut, double[] invStdOut) {
        for (int r = 0; r < rows; r++) {
            int off = r * cols;
            double sum = 0;
            for (int i = 0; i < cols; i++) {
                sum += x[off + i];
            }
            double mean = sum / cols;
            double sq = 0;
            for (int i = 0; i < cols; i++) {
                sq += (x[off + i] - mean) * (x[off + i] - mean);
            }
            double invStd = 1.0 / Math.sqrt(sq / cols + eps);
            for (int i = 0; i < cols; i++) {
                y[off + i] = (x[off + i] - mean) * invStd * scale[i] + (bias == null ? 0 : bias[i]);
            }
            if (meanOut != null) {
                meanOut[r] = mean;
            }
            if (invStdOut != null) {
                invStdOut[r] = invStd;
            }
        }
    }

    /** Group normalization with per-channel scale and bias; see {@link NormFloat#groupNorm}. */
    public static void groupNorm(double[] x, double[] y, int batch, int channels, int spatial, int groups,
            double[] scale, double[] bias, double eps) {
        int perGroup = channels / groups;
        int size = perGroup * spatial;
        for (int bg = 0; bg < batch * groups; bg++) {
            int off = bg * size;
            double sum = 0;
            for (int i = 0; i < size; i++) {
                sum += x[off + i];
            }
            double mean = size == 0 ? 0 : sum / size;
            double sq = 0;
            for (int i = 0; i < size; i++) {
                sq += (x[off + i] - mean) * (x[off + i] - mean);
            }
            double invStd = 1.0 / Math.sqrt((size == 0 ? 0 : sq / size) + eps);
            for (int i = 0; i < size; i++) {
                int c = (bg % groups) * perGroup + i / spatial;
                y[off + i] = (x[off + i] - mean) * invStd * scale[c] + bias[c];
            }
        }
    }

    /**
     * Local response normalization across channels of an N x C x inner tensor:
     * {@code y = x / (bias + alpha / size * sum of x^2 over nearby channels)^beta}.
     */
    public static void lrn(double[] x, double[] y, int batch, int channels, int inner, int size, double alpha,
            double beta, double bias) {
        int before = (size - 1) / 2;
        int after = size - 1 - before;
        for (int n = 0; n < batch; n++) {
            for (int c = 0; c < channels; c++) {
                int lo = Math.max(0, c - before);
                int hi = Math.min(channels - 1, c + after);
                for (int i = 0; i < inner; i++) {
                    double sq = 0;
                    for (int k = lo; k <= hi; k++) {
                        double v = x[(n * channels + k) * inner + i];
                        sq += v * v;
                    }
                    int at = (n * channels + c) * inner + i;
                    y[at] = x[at] / Math.pow(bias + alpha / size * sq, beta);
                }
            }
        }
    }

    /** Divides each vector along the middle axis by its L1 (p = 1) or L2 (p = 2) norm; zero vectors stay zero. */
    public static void lpNorm(double[] x, double[] y, int outer, int axis, int inner, int p) {
        for (int o = 0; o < outer; o++) {
            for (int i = 0; i < inner; i++) {
                int base = o * axis * inner + i;
                double acc = 0;
                for (int k = 0; k < axis; k++) {
                    double v = x[base + k * inner];
                    acc += p == 1 ? Math.abs(v) : v * v;
                }
                double norm = p == 1 ? acc : Math.sqrt(acc);
                for (int k = 0; k < axis; k++) {
                    y[base + k * inner] = norm == 0 ? 0 : x[base + k * inner] / norm;
                }
            }
        }
    }

    /**
     * Mean-variance normalization over the axes flagged in {@code reduced}:
     * {@code y = (x - mean) / (sqrt(var) + 1e-9)}, as ONNX defines it.
     */
    public static void meanVariance(double[] x, double[] y, int[] shape, boolean[] reduced) {
        int[] keptShape = shape.clone();
        for (int d = 0; d < shape.length; d++) {
            if (reduced[d]) {
                keptShape[d] = 1;
            }
        }
        int groups = 1;
        for (int d : keptShape) {
            groups *= d;
        }
        int[] group = new int[x.length];
        int[] pos = new int[shape.length];
        for (int i = 0; i < x.length; i++) {
            int g = 0;
            for (int d = 0; d < shape.length; d++) {
                g = g * keptShape[d] + (reduced[d] ? 0 : pos[d]);
            }
            group[i] = g;
            PoolReference.advance(pos, shape);
        }
        double[] sum = new double[groups];
        double[] sq = new double[groups];
        int[] count = new int[groups];
        for (int i = 0; i < x.length; i++) {
            sum[group[i]] += x[i];
            count[group[i]]++;
        }
        for (int i = 0; i < x.length; i++) {
            double d = x[i] - sum[group[i]] / count[group[i]];
            sq[group[i]] += d * d;
        }
        for (int i = 0; i < x.length; i++) {
            int g = group[i];
            y[i] = (x[i] - sum[g] / count[g]) / (Math.sqrt(sq[g] / count[g]) + 1e-9);
        }
    }
}
