package dev.lowbit.tensor.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** The vectorised IntGemm against its scalar reference, over shapes with vector tails. */
class IntGemmTest {
    private static byte[] bytes(Random r, int n) {
        byte[] b = new byte[n];
        r.nextBytes(b);
        return b;
    }

    private static int[] zeroPoints(Random r, int n, boolean unsigned) {
        int[] z = new int[n];
        for (int i = 0; i < n; i++) {
            z[i] = unsigned ? r.nextInt(256) : r.nextInt(256) - 128;
        }
        return z;
    }

    @Test
    void vectorMatchesReference() {
        Random r = new Random(30);
        int[][] shapes = {{1, 1, 1}, {3, 5, 7}, {8, 16, 16}, {17, 33, 65}, {64, 300, 19}, {2, 1, 100}, {5, 0, 3}, {1, 700, 1000}, {19, 260, 530}};
        for (int[] s : shapes) {
            int m = s[0];
            int k = s[1];
            int n = s[2];
            for (int variant = 0; variant < 8; variant++) {
                boolean au = (variant & 1) != 0;
                boolean bu = (variant & 2) != 0;
                boolean perChannel = (variant & 4) != 0;
                byte[] a = bytes(r, m * k + 3);
                byte[] b = bytes(r, k * n + 5);
                int[] az = zeroPoints(r, perChannel ? m : 1, au);
                int[] bz = zeroPoints(r, perChannel ? n : 1, bu);
                int[] expected = new int[m * n + 2];
                int[] actual = new int[m * n + 2];
                IntGemm.multiplyReference(a, 3, au, az, m, k, b, 5, bu, bz, n, expected, 2);
                IntGemm.multiply(a, 3, au, az, m, k, IntGemm.packB(b, 5, bu, k, n, bz), n, actual, 2);
                assertArrayEquals(expected, actual, "m=" + m + " k=" + k + " n=" + n + " variant " + variant);
            }
        }
    }

    @Test
    void extremeValuesAccumulateExactly() {
        // All 255 * 255 products over a long K: the sum stays exact in int32.
        int m = 2;
        int k = 4000;
        int n = 9;
        byte[] a = new byte[m * k];
        byte[] b = new byte[k * n];
        java.util.Arrays.fill(a, (byte) 255);
        java.util.Arrays.fill(b, (byte) 0);
        int[] c = new int[m * n];
        IntGemm.multiply(a, 0, true, new int[] {0}, m, k, IntGemm.packB(b, 0, true, k, n, new int[] {255}), n, c, 0);
        for (int v : c) {
            org.junit.jupiter.api.Assertions.assertEquals(-255 * 255 * k, v);
        }
    }
}
