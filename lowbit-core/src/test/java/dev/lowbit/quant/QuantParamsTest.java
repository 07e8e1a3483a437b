package dev.lowbit.quant;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class QuantParamsTest {
    @Test
    void symmetricUsesLargestMagnitude() {
        QuantParams p = QuantParams.fromRange(QuantScheme.symmetric(8, true), -2.54f, 1f);
        assertEquals(2.54f / 127, p.scales()[0], 1e-9f);
        assertEquals(0, p.zeroPoints()[0]);
    }

    @Test
    void asymmetricAlwaysContainsZero() {
        QuantScheme u8 = QuantScheme.asymmetric(8, false);
        QuantParams p = QuantParams.fromRange(u8, 1f, 3f); // range widened to [0, 3]
        assertEquals(3f / 255, p.scales()[0], 1e-9f);
        assertEquals(0, p.zeroPoints()[0]);
        QuantParams q = QuantParams.fromRange(u8, -5f, -1f); // [-5, 0]
        assertEquals(5f / 255, q.scales()[0], 1e-9f);
        assertEquals(255, q.zeroPoints()[0]);
        QuantParams r = QuantParams.fromRange(u8, -1f, 3f);
        assertEquals(4f / 255, r.scales()[0], 1e-9f);
        assertEquals(64, r.zeroPoints()[0]); // 0 - rint(-1 / (4/255)) = rint(63.75)
        // zero must be exactly representable
        float s = r.scales()[0];
        assertEquals(0f, FakeQuant.reference(0f, s, r.zeroPoints()[0], 0, 255));
        QuantParams i8 = QuantParams.fromRange(QuantScheme.asymmetric(8, true), -1f, 3f);
        assertEquals(-128 + 64, i8.zeroPoints()[0]);
    }

    @Test
    void degenerateRangesGiveFinitePositiveScales() {
        QuantScheme[] schemes = {QuantScheme.symmetric(8, true), QuantScheme.asymmetric(8, false),
                QuantScheme.asymmetric(4, true), QuantScheme.symmetric(16, false)};
        float[][] ranges = {{0, 0}, {3, 3}, {-2, -2}, {Float.NaN, Float.NaN}, {Float.NaN, 1},
                {Float.NEGATIVE_INFINITY, Float.POSITIVE_INFINITY}, {0, Float.POSITIVE_INFINITY},
                {1e-45f, 1e-45f}, {Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY}, {-Float.MAX_VALUE, Float.MAX_VALUE}};
        for (QuantScheme s : schemes) {
            for (float[] r : ranges) {
                QuantParams p = QuantParams.fromRange(s, r[0], r[1]);
                float scale = p.scales()[0];
                assertTrue(scale > 0 && Float.isFinite(scale), s + " " + r[0] + ".." + r[1] + " -> " + scale);
                assertTrue(p.zeroPoints()[0] >= s.qmin() && p.zeroPoints()[0] <= s.qmax());
            }
        }
        QuantParams zero = QuantParams.fromRange(QuantScheme.asymmetric(8, false), 0, 0);
        assertEquals(QuantParams.DEGENERATE_SCALE, zero.scales()[0]);
        assertEquals(0, zero.zeroPoints()[0]);
    }

    @Test
    void perChannel() {
        QuantScheme s = QuantScheme.symmetricPerChannel(8, true, 0);
        QuantParams p = QuantParams.fromRanges(s, new float[] {-1, 0, -4}, new float[] {2, 0, 1});
        assertArrayEquals(new float[] {2f / 127, 1f, 4f / 127}, p.scales(), 1e-9f);
        assertArrayEquals(new int[] {0, 0, 0}, p.zeroPoints());
        assertEquals(3, p.channels());
    }
}
