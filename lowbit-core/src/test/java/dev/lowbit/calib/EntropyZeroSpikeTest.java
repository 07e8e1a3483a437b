package dev.lowbit.calib;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** ReLU outputs are half exact zeros; entropy calibration must not let that spike pull the threshold down. */
class EntropyZeroSpikeTest {
    @Test
    void rectifiedNormalKeepsAboutFourSigma() {
        Random r = new Random(1);
        float[] x = new float[200_000];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) Math.max(0, r.nextGaussian());
        }
        HistogramObserver h = HistogramObserver.symmetric();
        h.observe(x, 0, x.length);
        float amax = HistogramRanges.entropy(h.histogram(), 128).max();
        // Without skipping zeros the KL search settles near 1.5σ and clips a third of the positive mass.
        assertTrue(amax > 3.0f && amax < 5.0f, "threshold " + amax);
    }
}
