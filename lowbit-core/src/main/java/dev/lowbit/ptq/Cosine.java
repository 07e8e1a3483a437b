package dev.lowbit.ptq;

import dev.lowbit.tensor.kernels.FloatStats;

/**
 * Cosine similarity between a reference output (float model) and a test output (quantized), the
 * objective EasyQuant maximises: per sample over the whole output, or per (sample, channel) slice
 * for the per-channel weight search.
 *
 * <p>Sums run in float (vector lanes when available) over chunks of {@value #CHUNK} elements and are
 * carried in double between chunks, so long slices keep ~1e-7 relative accuracy.
 */
final class Cosine {
    private static final int CHUNK = 512;

    private Cosine() {
    }

    /** cos = dot / sqrt(rr·tt); two all-zero vectors agree (1), one all-zero vector does not (0). */
    static double of(double dot, double rr, double tt) {
        if (rr == 0 || tt == 0) {
            return rr == tt ? 1 : 0;
        }
        return dot / Math.sqrt(rr * tt);
    }

    /** Adds Σ r·t, Σ r², Σ t² of {@code r[off, off+len)} and {@code t[off, off+len)} into {@code acc[0..2]}. */
    static void accumulate(float[] r, float[] t, int off, int len, double[] acc) {
        for (int i = 0; i < len; i += CHUNK) {
            FloatStats.dotAndSquares(r, t, off + i, Math.min(CHUNK, len - i), acc);
        }
    }

    /** Scalar definition of {@link #accumulate}, in double, for tests. */
    static void accumulateReference(float[] r, float[] t, int off, int len, double[] acc) {
        for (int i = off; i < off + len; i++) {
            acc[0] += (double) r[i] * t[i];
            acc[1] += (double) r[i] * r[i];
            acc[2] += (double) t[i] * t[i];
        }
    }

    /** Mean over {@code samples} contiguous equal slices of the per-sample cosine. */
    static double meanPerSample(float[] r, float[] t, int samples) {
        return meanPerSample(r, t, samples, 0, 1);
    }

    /** Mean of the per-sample cosine over samples {@code first, first+step, ...}. */
    static double meanPerSample(float[] r, float[] t, int samples, int first, int step) {
        int per = r.length / samples;
        double sum = 0;
        int count = 0;
        double[] acc = new double[3];
        for (int n = first; n < samples; n += step) {
            acc[0] = acc[1] = acc[2] = 0;
            accumulate(r, t, n * per, per, acc);
            sum += of(acc[0], acc[1], acc[2]);
            count++;
        }
        return count == 0 ? Double.NaN : sum / count;
    }

    /**
     * Per output channel, the mean over samples of the cosine of that channel's slice. The data are
     * [samples, channels, inner] ({@code channelLast} false, Conv) or [samples, inner, channels]
     * (true, Gemm/MatMul). A slice of one element has no direction, so when {@code inner == 1} the
     * channel's values across all samples form one vector instead.
     */
    static double[] perChannel(float[] r, float[] t, int samples, int channels, int inner, boolean channelLast) {
        return perChannel(r, t, samples, channels, inner, channelLast, 0, 1);
    }

    /** {@link #perChannel} over samples {@code first, first+step, ...} only. */
    static double[] perChannel(float[] r, float[] t, int samples, int channels, int inner, boolean channelLast,
                               int first, int step) {
        double[] out = new double[channels];
        int count = 0;
        for (int n = first; n < samples; n += step) {
            count++;
        }
        if (inner == 1) {
            // [samples, channels]: one vector of `samples` values per channel.
            double[][] acc = new double[channels][3];
            for (int n = first; n < samples; n += step) {
                for (int c = 0; c < channels; c++) {
                    float a = r[n * channels + c];
                    float b = t[n * channels + c];
                    acc[c][0] += (double) a * b;
                    acc[c][1] += (double) a * a;
                    acc[c][2] += (double) b * b;
                }
            }
            for (int c = 0; c < channels; c++) {
                out[c] = of(acc[c][0], acc[c][1], acc[c][2]);
            }
            return out;
        }
        double[] acc = new double[3];
        double[][] accLast = channelLast ? new double[channels][3] : null;
        for (int n = first; n < samples; n += step) {
            int base = n * channels * inner;
            if (!channelLast) {
                for (int c = 0; c < channels; c++) {
                    acc[0] = acc[1] = acc[2] = 0;
                    accumulate(r, t, base + c * inner, inner, acc);
                    out[c] += of(acc[0], acc[1], acc[2]);
                }
            } else {
                for (double[] a : accLast) {
                    a[0] = a[1] = a[2] = 0;
                }
                for (int p = 0; p < inner; p++) {
                    int row = base + p * channels;
                    for (int c = 0; c < channels; c++) {
                        float a = r[row + c];
                        float b = t[row + c];
                        accLast[c][0] += (double) a * b;
                        accLast[c][1] += (double) a * a;
                        accLast[c][2] += (double) b * b;
                    }
                }
                for (int c = 0; c < channels; c++) {
                    out[c] += of(accLast[c][0], accLast[c][1], accLast[c][2]);
                }
            }
        }
        for (int c = 0; c < channels; c++) {
            out[c] /= Math.max(1, count);
        }
        return out;
    }
}
