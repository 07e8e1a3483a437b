package dev.lowbit.calib;

import dev.lowbit.quant.FakeQuant;
import dev.lowbit.quant.QuantParams;
import dev.lowbit.quant.QuantScheme;
import dev.lowbit.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class WeightRangesTest {
    private static double channelError(float[] w, int c, int per, float lo, float hi, QuantScheme s) {
        QuantParams p = QuantParams.fromRange(s.perTensor(), lo, hi);
        double sum = 0;
        for (int k = 0; k < per; k++) {
            float v = w[c * per + k];
            double d = v - FakeQuant.reference(v, p.scales()[0], p.zeroPoints()[0], s.qmin(), s.qmax());
            sum += d * d;
        }
        return sum;
    }

    @Test
    void msePerChannelBeatsMinMaxAndMatchesBruteForce() {
        Random r = new Random(13);
        int channels = 6;
        int per = 3 * 3 * 8;
        float[] w = new float[channels * per];
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) (r.nextGaussian() * (1 + i / per));
        }
        w[5] = 40; // an outlier in channel 0 makes clipping worthwhile
        Tensor t = Tensor.of(w, channels, 8, 3, 3);
        for (QuantScheme s : new QuantScheme[] {QuantScheme.symmetricPerChannel(4, true, 0),
                new QuantScheme(8, false, false, false, QuantScheme.Granularity.PER_CHANNEL, 0)}) {
            Ranges mm = WeightRanges.minMax(t, s);
            Ranges mse = WeightRanges.mse(t, s);
            assertEquals(channels, mse.channels());
            for (int c = 0; c < channels; c++) {
                float l = s.symmetric() ? -mm.amax(c) : mm.mins()[c];
                float h = s.symmetric() ? mm.amax(c) : mm.maxs()[c];
                double eMse = channelError(w, c, per, mse.mins()[c], mse.maxs()[c], s);
                assertTrue(eMse <= channelError(w, c, per, l, h, s), s + " channel " + c);
                double best = Double.POSITIVE_INFINITY;
                for (int k = 0; k < WeightRanges.MSE_STEPS; k++) {
                    float ratio = (100 - k) / 100f;
                    best = Math.min(best, channelError(w, c, per, l * ratio, h * ratio, s));
                }
                assertEquals(best, eMse, 0, "brute force, channel " + c);
            }
        }
    }

    @Test
    void zeroChannelsStayUsable() {
        Tensor t = Tensor.of(new float[] {0, 0, 0, 1, -2, Float.NaN}, 2, 3);
        QuantScheme s = QuantScheme.symmetricPerChannel(8, true, 0);
        Ranges r = WeightRanges.mse(t, s);
        assertEquals(1, r.nonFinite());
        QuantParams p = r.toParams(s);
        assertArrayEquals(new float[] {QuantParams.DEGENERATE_SCALE, 2f / 127}, p.scales(), 1e-6f);
    }
}
