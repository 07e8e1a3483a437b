package dev.lowbit.calib;

import dev.lowbit.quant.QuantParams;
import dev.lowbit.quant.QuantScheme;
import dev.lowbit.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MinMaxObserverTest {
    @Test
    void perTensorExcludesNonFiniteAndMerges() {
        Random r = new Random(1);
        float[] x = new float[1001];
        float min = Float.POSITIVE_INFINITY;
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) r.nextGaussian();
            min = Math.min(min, x[i]);
            max = Math.max(max, x[i]);
        }
        x[17] = Float.NaN;
        x[500] = Float.POSITIVE_INFINITY;
        x[999] = Float.NEGATIVE_INFINITY;
        MinMaxObserver all = MinMaxObserver.perTensor();
        all.observe(x, 0, x.length);
        MinMaxObserver a = MinMaxObserver.perTensor();
        MinMaxObserver b = MinMaxObserver.perTensor();
        a.observe(x, 0, 333);
        b.observe(x, 333, x.length - 333);
        a.merge(b);
        assertEquals(all.range(), a.range());
        assertEquals(3, all.nonFiniteCount());
        assertEquals(998, all.count());
        float[] finite = x.clone();
        finite[17] = finite[500] = finite[999] = 0;
        float bmin = Float.POSITIVE_INFINITY;
        float bmax = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < finite.length; i++) {
            if (i != 17 && i != 500 && i != 999) {
                bmin = Math.min(bmin, finite[i]);
                bmax = Math.max(bmax, finite[i]);
            }
        }
        assertEquals(bmin, all.range().min());
        assertEquals(bmax, all.range().max());
    }

    @Test
    void perChannelAlongAnyAxis() {
        Random r = new Random(2);
        int[] shape = {3, 4, 5};
        float[] x = new float[60];
        for (int i = 0; i < 60; i++) {
            x[i] = r.nextFloat() * 10 - 5;
        }
        for (int axis = 0; axis < 3; axis++) {
            MinMaxObserver o = MinMaxObserver.perChannel(axis - 3); // negative axis form
            o.observe(Tensor.of(x, shape));
            int c = shape[axis];
            float[] mins = new float[c];
            float[] maxs = new float[c];
            java.util.Arrays.fill(mins, Float.POSITIVE_INFINITY);
            java.util.Arrays.fill(maxs, Float.NEGATIVE_INFINITY);
            int inner = 1;
            for (int d = axis + 1; d < 3; d++) {
                inner *= shape[d];
            }
            for (int i = 0; i < 60; i++) {
                int ch = (i / inner) % c;
                mins[ch] = Math.min(mins[ch], x[i]);
                maxs[ch] = Math.max(maxs[ch], x[i]);
            }
            assertArrayEquals(mins, o.range().mins());
            assertArrayEquals(maxs, o.range().maxs());
        }
    }

    @Test
    void emptyAndDegenerateGiveUsableParams() {
        MinMaxObserver empty = MinMaxObserver.perTensor();
        assertEquals(Ranges.of(0, 0, 0), empty.range());
        MinMaxObserver nan = MinMaxObserver.perTensor();
        nan.observe(new float[] {Float.NaN, Float.NaN}, 0, 2);
        assertEquals(2, nan.nonFiniteCount());
        MinMaxObserver zeros = MinMaxObserver.perChannel(0);
        zeros.observe(Tensor.of(new float[] {0, 0, 0, 5, 5, 5}, 2, 3));
        for (Observer o : new Observer[] {empty, nan, zeros}) {
            Ranges rg = o.range();
            for (QuantScheme s : new QuantScheme[] {QuantScheme.symmetricPerChannel(8, true, 0),
                    QuantScheme.asymmetric(8, false)}) {
                if (!s.perChannel() && rg.channels() != 1) {
                    continue;
                }
                QuantParams p = rg.toParams(s);
                for (float sc : p.scales()) {
                    assertTrue(sc > 0 && Float.isFinite(sc));
                }
            }
        }
    }

    @Test
    void movingAverage() {
        MovingAverageMinMaxObserver o = MovingAverageMinMaxObserver.perTensor(0.5);
        o.observe(new float[] {-1, 2}, 0, 2);
        o.observe(new float[] {-3, 4}, 0, 2);
        o.observe(new float[] {Float.NaN}, 0, 1); // ignored batch
        assertEquals(-2f, o.range().min());
        assertEquals(3f, o.range().max());
        assertEquals(1, o.nonFiniteCount());
        MovingAverageMinMaxObserver p = MovingAverageMinMaxObserver.perTensor(0.5);
        p.observe(new float[] {-6, 7}, 0, 2);
        o.merge(p); // weights 2 batches vs 1
        assertEquals(-2f + (-6f + 2f) / 3, o.range().min(), 1e-6f);
    }
}
