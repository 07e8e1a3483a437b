package dev.lowbit.eval;

import java.util.Arrays;

/**
 * Streaming comparison of a reference tensor stream (float model) with a test stream (quantized
 * model): signal-to-quantization-noise ratio in dB, cosine similarity, max absolute error and,
 * by {@link OutputKind}, top-1 agreement, mask IoU or greedy-CTC decode agreement.
 */
public final class Agreement {
    private double signal;
    private double noise;
    private double dot;
    private double refNorm;
    private double testNorm;
    private double maxAbs;
    private long elements;
    private long rows;
    private long sameTop1;
    private double sampleCosineSum;
    private double minSampleCosine = Double.POSITIVE_INFINITY;
    private long samples;
    private double maskIouSum;
    private long masks;
    private long sameDecodes;
    private long decodes;

    /** Adds matching values; {@code classes} > 0 also counts top-1 agreement per row. */
    public void add(float[] reference, float[] test, int classes) {
        if (reference.length != test.length) {
            throw new IllegalArgumentException("length " + reference.length + " vs " + test.length);
        }
        for (int i = 0; i < reference.length; i++) {
            double r = reference[i];
            double t = test[i];
            double d = r - t;
            signal += r * r;
            noise += d * d;
            dot += r * t;
            refNorm += r * r;
            testNorm += t * t;
            maxAbs = Math.max(maxAbs, Math.abs(d));
        }
        elements += reference.length;
        if (classes > 0) {
            int n = reference.length / classes;
            for (int b = 0; b < n; b++) {
                if (Accuracy.argmax(reference, classes, b) == Accuracy.argmax(test, classes, b)) {
                    sameTop1++;
                }
            }
            rows += n;
        }
    }

    /**
     * Also accumulates the cosine of each of {@code samples} equal slices (one per sample), for
     * {@link #meanSampleCosine()}: embeddings are judged sample by sample, not as one long vector.
     */
    public void addSamples(float[] reference, float[] test, int samples) {
        addSamples(reference, test, samples, 0);
    }

    /** {@link #addSamples(float[], float[], int)} with top-1 agreement over {@code classes} > 0 per row. */
    public void addSamples(float[] reference, float[] test, int samples, int classes) {
        add(reference, test, classes);
        int per = samples == 0 ? 0 : reference.length / samples;
        for (int s = 0; s < samples; s++) {
            double dt = 0;
            double rn = 0;
            double tn = 0;
            for (int i = s * per; i < (s + 1) * per; i++) {
                dt += (double) reference[i] * test[i];
                rn += (double) reference[i] * reference[i];
                tn += (double) test[i] * test[i];
            }
            double c = rn == 0 || tn == 0 ? (rn == tn ? 1 : 0) : dt / Math.sqrt(rn * tn);
            sampleCosineSum += c;
            minSampleCosine = Math.min(minSampleCosine, c);
        }
        this.samples += samples;
    }

    /**
     * Accumulates, for each of {@code samples} probability maps, the IoU of the masks {@code > threshold}
     * of reference and test (1 when both are empty), for {@link #meanMaskIou()}.
     */
    public void addMasks(float[] reference, float[] test, int samples, double threshold) {
        int per = samples == 0 ? 0 : reference.length / samples;
        for (int s = 0; s < samples; s++) {
            long both = 0;
            long either = 0;
            for (int i = s * per; i < (s + 1) * per; i++) {
                boolean r = reference[i] > threshold;
                boolean t = test[i] > threshold;
                both += r && t ? 1 : 0;
                either += r || t ? 1 : 0;
            }
            maskIouSum += either == 0 ? 1 : (double) both / either;
        }
        masks += samples;
    }

    /**
     * Counts, of {@code samples} sequences of {@code steps} × {@code classes} scores, those whose greedy
     * CTC decodes ({@link OutputKind#greedyCtc}) are equal, for {@link #decodeAgreement()}.
     */
    public void addDecodes(float[] reference, float[] test, int samples, int steps, int classes) {
        for (int s = 0; s < samples; s++) {
            int offset = s * steps * classes;
            if (Arrays.equals(OutputKind.greedyCtc(reference, offset, steps, classes), OutputKind.greedyCtc(test, offset, steps, classes))) {
                sameDecodes++;
            }
        }
        decodes += samples;
    }

    /** Mean over samples of the thresholded masks' IoU (NaN unless {@link #addMasks} was used). */
    public double meanMaskIou() {
        return masks == 0 ? Double.NaN : maskIouSum / masks;
    }

    /** Percentage of sequences whose greedy CTC decodes are equal (NaN unless {@link #addDecodes} was used). */
    public double decodeAgreement() {
        return decodes == 0 ? Double.NaN : 100.0 * sameDecodes / decodes;
    }

    /** Mean over samples of each sample's cosine (NaN unless {@link #addSamples} was used). */
    public double meanSampleCosine() {
        return samples == 0 ? Double.NaN : sampleCosineSum / samples;
    }

    /** The lowest sample cosine (NaN unless {@link #addSamples} was used). */
    public double minSampleCosine() {
        return samples == 0 ? Double.NaN : minSampleCosine;
    }

    /** 10·log10(Σref² / Σ(ref−test)²); +inf when identical. */
    public double sqnrDb() {
        if (noise == 0) {
            return Double.POSITIVE_INFINITY;
        }
        return 10 * Math.log10(signal / noise);
    }

    public double cosine() {
        if (refNorm == 0 || testNorm == 0) {
            return refNorm == testNorm ? 1 : 0;
        }
        return dot / Math.sqrt(refNorm * testNorm);
    }

    public double maxAbsError() {
        return maxAbs;
    }

    public long elements() {
        return elements;
    }

    /** Percentage of rows whose argmax agrees (NaN when no rows were compared). */
    public double top1Agreement() {
        return rows == 0 ? Double.NaN : 100.0 * sameTop1 / rows;
    }
}
