package dev.lowbit.tensor.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.lowbit.quant.QuantMath;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Vector quantize / requantize runs against QuantMath's scalar definitions. */
class IntQuantizeTest {
    private static final int[][] RANGES = {{0, 255}, {-128, 127}, {0, 65535}, {-32768, 32767}};

    @Test
    void quantizeMatchesScalar() {
        Random r = new Random(50);
        for (int trial = 0; trial < 200; trial++) {
            int[] range = RANGES[trial % RANGES.length];
            int n = r.nextInt(100);
            float scale = trial % 3 == 0 ? 0.5f : 1e-3f + r.nextFloat();
            int zp = range[0] + r.nextInt(range[1] - range[0] + 1);
            float[] x = new float[n + 3];
            for (int i = 0; i < x.length; i++) {
                x[i] = switch (r.nextInt(6)) {
                    case 0 -> (r.nextInt(600) - 300 + 0.5f) * scale; // ties
                    case 1 -> (r.nextFloat() - 0.5f) * 1e9f;         // saturation
                    case 2 -> new float[] {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, -0f, Float.MIN_VALUE}[r.nextInt(5)];
                    default -> (r.nextFloat() - 0.5f) * 600 * scale;
                };
            }
            int[] expected = new int[n + 1];
            int[] actual = new int[n + 1];
            for (int i = 0; i < n; i++) {
                expected[i + 1] = QuantMath.quantize(x[i + 3], scale, zp, range[0], range[1]);
            }
            IntQuantize.quantize(x, 3, n, scale, zp, range[0], range[1], actual, 1);
            assertArrayEquals(expected, actual, "trial " + trial);
        }
    }

    @Test
    void requantizeMatchesScalar() {
        Random r = new Random(51);
        for (int trial = 0; trial < 200; trial++) {
            int[] range = RANGES[trial % 2];
            int n = r.nextInt(100);
            float mult = trial % 4 == 0 ? 1f / (1 << r.nextInt(8)) : r.nextFloat() * 0.01f;
            int zp = range[0] + r.nextInt(range[1] - range[0] + 1);
            int add = r.nextInt(2001) - 1000;
            int[] acc = new int[n + 2];
            for (int i = 0; i < acc.length; i++) {
                acc[i] = trial % 5 == 0 ? r.nextInt() : r.nextInt(200_001) - 100_000;
            }
            int[] expected = new int[n];
            int[] actual = new int[n];
            for (int i = 0; i < n; i++) {
                expected[i] = QuantMath.requantize(acc[i + 2] + add, mult, zp, range[0], range[1]);
            }
            IntQuantize.requantize(acc, 2, n, add, mult, zp, range[0], range[1], actual, 0);
            assertArrayEquals(expected, actual, "trial " + trial);
        }
    }

    /** Float-held exact accumulators straight to bytes: QuantMath.requantize of the same int32 sums. */
    @Test
    void requantizeToBytesMatchesScalar() {
        Random r = new Random(52);
        for (int trial = 0; trial < 200; trial++) {
            int[] range = RANGES[trial % 2];
            int n = r.nextInt(100);
            float mult = trial % 4 == 0 ? 1f / (1 << r.nextInt(8)) : r.nextFloat() * 0.01f;
            int zp = range[0] + r.nextInt(range[1] - range[0] + 1);
            int add = trial % 3 == 0 ? r.nextInt(1 << 26) - (1 << 25) : r.nextInt(2001) - 1000;
            float[] acc = new float[n + 2];
            for (int i = 0; i < acc.length; i++) {
                acc[i] = trial % 5 == 0 ? r.nextInt(1 << 25) - (1 << 24) : r.nextInt(200_001) - 100_000;
            }
            byte[] actual = new byte[n];
            IntQuantize.requantizeToBytes(acc, 2, n, add, mult, zp, range[0], range[1], actual, 0);
            for (int i = 0; i < n; i++) {
                int expected = QuantMath.requantize((int) acc[i + 2] + add, mult, zp, range[0], range[1]);
                assertEquals(expected, range[0] == 0 ? actual[i] & 0xFF : actual[i], "trial " + trial + " i " + i);
            }
        }
    }
}
