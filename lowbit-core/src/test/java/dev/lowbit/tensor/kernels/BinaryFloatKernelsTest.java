package dev.lowbit.tensor.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.lowbit.tensor.Shapes;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

class BinaryFloatKernelsTest {
    private static float[] random(Random rnd, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) (rnd.nextGaussian() * 3);
        }
        return a;
    }

    /** b's shape: a random suffix of a's shape with some axes set to 1 (numpy broadcasting). */
    private static int[] broadcastPartner(Random rnd, int[] a) {
        int rank = rnd.nextInt(a.length + 1);
        int[] b = Arrays.copyOfRange(a, a.length - rank, a.length);
        for (int i = 0; i < b.length; i++) {
            if (rnd.nextInt(3) == 0) {
                b[i] = 1;
            }
        }
        return b;
    }

    private static void check(BinaryFloatKernels.Op op, Random rnd, int[] as, int[] bs) {
        float[] a = random(rnd, Shapes.size(as));
        float[] b = random(rnd, Shapes.size(bs));
        float[] want = BinaryFloatKernels.reference(op, a, as, b, bs);
        float[] got = BinaryFloatKernels.apply(op, a, b, BroadcastPlan.of(as, bs));
        // The vector lanes do the same IEEE operations as the scalar definition: results are identical.
        assertArrayEquals(want, got, 0f, op + " " + Arrays.toString(as) + " with " + Arrays.toString(bs));
        float[] swapped = BinaryFloatKernels.apply(op, b, a, BroadcastPlan.of(bs, as));
        assertArrayEquals(BinaryFloatKernels.reference(op, b, bs, a, as), swapped, 0f,
                op + " " + Arrays.toString(bs) + " with " + Arrays.toString(as));
    }

    @Test
    void randomShapesMatchReference() {
        Random rnd = new Random(42);
        for (int trial = 0; trial < 300; trial++) {
            int rank = 1 + rnd.nextInt(4);
            int[] as = new int[rank];
            for (int i = 0; i < rank; i++) {
                as[i] = 1 + rnd.nextInt(9);
            }
            int[] bs = broadcastPartner(rnd, as);
            for (BinaryFloatKernels.Op op : BinaryFloatKernels.Op.values()) {
                check(op, rnd, as, bs);
            }
        }
    }

    @Test
    void namedFastPathsMatchReference() {
        Random rnd = new Random(7);
        int[][][] cases = {
            {{2, 3, 17, 19}, {2, 3, 17, 19}},   // same shape: one long row
            {{5, 37}, {}},                      // scalar
            {{2, 8, 9, 11}, {8, 1, 1}},         // per-channel
            {{13, 67}, {67}},                   // row broadcast
            {{3, 1, 5}, {1, 4, 1}},             // both sides broadcast
            {{64, 1024}, {1024}},               // big enough to run in parallel
            {{1 << 17}, {1 << 17}},             // one long row split across cores
        };
        for (int[][] c : cases) {
            for (BinaryFloatKernels.Op op : BinaryFloatKernels.Op.values()) {
                check(op, rnd, c[0], c[1]);
            }
        }
    }

    @Test
    void planMergesAxes() {
        BroadcastPlan same = BroadcastPlan.of(new int[] {2, 3, 4}, new int[] {2, 3, 4});
        assertEquals(1, same.rows());
        assertEquals(24, same.rowLength());
        BroadcastPlan channel = BroadcastPlan.of(new int[] {2, 3, 4, 5}, new int[] {3, 1, 1});
        assertEquals(6, channel.rows());
        assertEquals(20, channel.rowLength());
        assertEquals(0, channel.bInnerStride());
        assertEquals(2, channel.bOffset(5));
        BroadcastPlan row = BroadcastPlan.of(new int[] {7, 5}, new int[] {5});
        assertEquals(7, row.rows());
        assertEquals(1, row.bInnerStride());
        assertEquals(0, row.bOffset(3));
        assertEquals(15, row.aOffset(3));
    }

    @Test
    void nanPropagatesThroughMinMax() {
        float[] a = {Float.NaN, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17};
        float[] b = new float[a.length];
        int[] s = {a.length};
        float[] got = BinaryFloatKernels.apply(BinaryFloatKernels.Op.MAX, a, b, BroadcastPlan.of(s, s));
        assertEquals(Float.NaN, got[0]);
        assertEquals(17f, got[17]);
    }
}
