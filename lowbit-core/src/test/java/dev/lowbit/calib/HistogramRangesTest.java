package dev.lowbit.calib;

import dev.lowbit.quant.FakeQuant;
import dev.lowbit.quant.QuantParams;
import dev.lowbit.quant.QuantScheme;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HistogramRangesTest {
    private static Histogram histogram(boolean absolute, float[] x) {
        HistogramObserver o = new HistogramObserver(absolute, 2048);
        for (int i = 0; i < x.length; i += 4096) {
            o.observe(x, i, Math.min(4096, x.length - i));
        }
        return o.histogram();
    }

    /** Brute force: mean squared fake-quantization error over the raw data. */
    static double rawError(float[] x, QuantParams p) {
        double sum = 0;
        float s = p.scales()[0];
        int z = p.zeroPoints()[0];
        for (float v : x) {
            double d = v - FakeQuant.reference(v, s, z, p.scheme().qmin(), p.scheme().qmax());
            sum += d * d;
        }
        return sum / x.length;
    }

    @Test
    void segmentErrorMatchesNumericIntegration() {
        double[][] cases = {{-3.2, 4.7}, {0.1, 0.4}, {120.3, 131.9}, {-140, -120.2}, {-0.5, 0.5}, {2.5, 3.5}};
        for (double[] c : cases) {
            int steps = 200_000;
            double h = (c[1] - c[0]) / steps;
            double sum = 0;
            for (int i = 0; i < steps; i++) {
                double y = c[0] + (i + 0.5) * h;
                double q = Math.max(-128, Math.min(127, Math.rint(y)));
                sum += (y - q) * (y - q) * h;
            }
            assertEquals(sum, HistogramRanges.segmentError(c[0], c[1], -128, 127), 1e-6 * Math.max(1, sum),
                    Arrays.toString(c));
        }
    }

    @Test
    void percentileOfUniformDataIsTheQuantile() {
        Random r = new Random(8);
        float[] x = new float[1_000_000];
        for (int i = 0; i < x.length; i++) {
            x[i] = r.nextFloat() * 2 - 1; // uniform [-1, 1): |x| uniform [0, 1)
        }
        Histogram abs = histogram(true, x);
        Histogram raw = histogram(false, x);
        float[] sortedAbs = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            sortedAbs[i] = Math.abs(x[i]);
        }
        Arrays.sort(sortedAbs);
        float[] sorted = x.clone();
        Arrays.sort(sorted);
        for (double p : new double[] {99.9, 99.99, 99.999, 99.9999}) {
            double q = p / 100;
            float a = HistogramRanges.percentile(abs, p).max();
            float brute = sortedAbs[(int) Math.min(x.length - 1, Math.ceil(q * x.length) - 1)];
            assertEquals(q, a, 2e-3, "analytic, p=" + p);
            assertEquals(brute, a, abs.binWidth() + 1e-6, "brute force, p=" + p);
            Ranges lohi = HistogramRanges.percentile(raw, p);
            assertEquals(sorted[(int) Math.ceil((1 - q) * x.length)], lohi.min(), raw.binWidth() + 1e-6);
            assertEquals(sorted[(int) Math.ceil(q * x.length) - 1], lohi.max(), raw.binWidth() + 1e-6);
        }
    }

    @Test
    void expectedErrorMatchesRawError() {
        float[] x = HistogramObserverTest.gaussian(9, 400_000, 0, 1);
        Histogram abs = histogram(true, x);
        Histogram raw = histogram(false, x);
        for (float amax : new float[] {1.5f, 3f, 4.5f}) {
            QuantParams sym = QuantParams.fromRange(QuantScheme.symmetric(8, true), -amax, amax);
            double truth = rawError(x, sym);
            assertEquals(truth, HistogramRanges.expectedError(abs, sym), 0.02 * truth, "|x| amax " + amax);
            assertEquals(truth, HistogramRanges.expectedError(raw, sym), 0.02 * truth, "x amax " + amax);
            QuantParams asym = QuantParams.fromRange(QuantScheme.asymmetric(4, false), -amax, amax * 0.7f);
            double t2 = rawError(x, asym);
            assertEquals(t2, HistogramRanges.expectedError(raw, asym), 0.02 * t2, "asym amax " + amax);
        }
    }

    @Test
    void mseFindsTheBruteForceOptimumOnGaussianData() {
        float[] x = HistogramObserverTest.gaussian(10, 200_000, 0, 1);
        Histogram abs = histogram(true, x);
        float max = abs.max();
        for (int bits : new int[] {4, 8}) {
            QuantScheme s = QuantScheme.symmetric(bits, true);
            float chosen = HistogramRanges.mse(abs, s).max();
            double chosenErr = rawError(x, QuantParams.fromRange(s, -chosen, chosen));
            double bestErr = Double.POSITIVE_INFINITY;
            float best = 0;
            for (int k = 1; k <= 400; k++) {
                float a = max * k / 400;
                double e = rawError(x, QuantParams.fromRange(s, -a, a));
                if (e < bestErr) {
                    bestErr = e;
                    best = a;
                }
            }
            System.out.printf("bits %d: mse amax %.4f (raw err %.4g), brute force %.4f (err %.4g), max %.3f%n",
                    bits, chosen, chosenErr, best, bestErr, max);
            assertTrue(chosenErr <= bestErr * 1.01, "bits " + bits);
            // the analytic optimum for N(0, 1) (rounding noise s²/12 vs clipped tail): ~2.5σ at 4 bits,
            // ~3.9σ at 8 bits (bounded here by the sample maximum)
            double[] expected = bits == 4 ? new double[] {2.3, 2.7} : new double[] {3.5, 4.2};
            assertTrue(chosen > expected[0] && chosen < expected[1], "bits " + bits + ": " + chosen);
            assertTrue(chosen < max);
        }
    }

    @Test
    void entropyClipsOutliers() {
        float[] x = HistogramObserverTest.gaussian(11, 200_000, 0, 1);
        for (int i = 0; i < 20; i++) {
            x[i * 1000] = 60 + i; // a few huge outliers
        }
        Histogram abs = histogram(true, x);
        float amax = HistogramRanges.entropy(abs, 128).max();
        System.out.printf("entropy amax %.4f, max %.3f%n", amax, abs.max());
        assertTrue(amax < abs.max() / 4, "entropy threshold " + amax);
        assertTrue(amax > 2.5, "entropy threshold " + amax);
        Histogram clean = histogram(true, HistogramObserverTest.gaussian(12, 200_000, 0, 1));
        float cleanAmax = HistogramRanges.entropy(clean, 128).max();
        System.out.printf("entropy on N(0,1): amax %.4f, max %.3f%n", cleanAmax, clean.max());
        assertTrue(cleanAmax > 2.5 && cleanAmax <= clean.max(), "entropy on N(0,1) " + cleanAmax);
        Histogram raw = histogram(false, x);
        Ranges r = HistogramRanges.entropy(raw, 128);
        assertTrue(r.max() < raw.max() / 4 && r.min() >= raw.min());
    }

    @Test
    void degenerateHistogramsGiveUsableRanges() {
        QuantScheme s8 = QuantScheme.symmetric(8, true);
        QuantScheme u8 = QuantScheme.asymmetric(8, false);
        float[][] inputs = {{}, {0, 0, 0}, {2.5f}, {Float.NaN, Float.POSITIVE_INFINITY}, {-1, -1, -1, Float.NaN}};
        for (float[] in : inputs) {
            for (boolean absolute : new boolean[] {true, false}) {
                HistogramObserver o = new HistogramObserver(absolute, 2048);
                o.observe(in, 0, in.length);
                Histogram h = o.histogram();
                Ranges[] all = {o.range(), HistogramRanges.percentile(h, 99.99), HistogramRanges.entropy(h, 128),
                        HistogramRanges.mse(h, s8), HistogramRanges.mse(h, u8)};
                for (Ranges r : all) {
                    assertTrue(Float.isFinite(r.min()) && Float.isFinite(r.max()), Arrays.toString(in) + " " + r);
                    for (QuantScheme s : new QuantScheme[] {s8, u8}) {
                        float sc = r.toParams(s).scales()[0];
                        assertTrue(sc > 0 && Float.isFinite(sc));
                    }
                }
            }
        }
    }
}
