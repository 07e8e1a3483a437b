package dev.lowbit.eval;

/**
 * Streaming comparison of a reference tensor stream (float model) with a test stream (quantized
 * model): signal-to-quantization-noise ratio in dB, cosine similarity, max absolute error and,
 * for classifier outputs, top-1 agreement.
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
