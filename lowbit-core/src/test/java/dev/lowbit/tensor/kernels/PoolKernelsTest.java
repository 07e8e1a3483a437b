package dev.lowbit.tensor.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** The float pooling fast paths against the double reference, on random seeded geometries. */
class PoolKernelsTest {
    private static final String[] AUTO_PADS = {"NOTSET", "NOTSET", "VALID", "SAME_UPPER", "SAME_LOWER"};

    @Test
    void float2dMatchesReferenceOnRandomGeometries() {
        Random rnd = new Random(42);
        int checked = 0;
        for (int iter = 0; iter < 400; iter++) {
            int[] in = {1 + rnd.nextInt(20), 1 + rnd.nextInt(40)};
            int[] kernel = {1 + rnd.nextInt(4), 1 + rnd.nextInt(5)};
            boolean unitStride = rnd.nextBoolean();
            int[] strides = unitStride ? new int[] {1, 1} : new int[] {1 + rnd.nextInt(3), 1 + rnd.nextInt(3)};
            int[] dilations = rnd.nextInt(4) == 0 ? new int[] {1 + rnd.nextInt(2), 1 + rnd.nextInt(2)} : new int[] {1, 1};
            int[] pads = new int[4];
            for (int i = 0; i < 4; i++) {
                pads[i] = rnd.nextInt(kernel[i % 2]);
            }
            PoolGeometry g;
            try {
                g = PoolGeometry.of(in, kernel, strides, dilations, pads, AUTO_PADS[rnd.nextInt(AUTO_PADS.length)],
                        rnd.nextBoolean());
            } catch (IllegalArgumentException tooSmall) {
                continue;
            }
            int planes = 1 + rnd.nextInt(5);
            float[] x = new float[planes * g.inPlaneSize()];
            double[] xd = new double[x.length];
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) rnd.nextGaussian();
                xd[i] = x[i];
            }
            float[] fast = new float[planes * g.outPlaneSize()];
            double[] ref = new double[fast.length];
            PoolFloat2d.maxPool(x, fast, planes, g);
            PoolReference.pool(xd, ref, planes, g, PoolReference.Mode.MAX, false, 0, null, false);
            assertClose(ref, fast, 0, "max " + g);
            for (boolean includePad : new boolean[] {false, true}) {
                PoolFloat2d.averagePool(x, fast, planes, g, includePad);
                PoolReference.pool(xd, ref, planes, g, PoolReference.Mode.AVERAGE, includePad, 0, null, false);
                assertClose(ref, fast, 1e-5, "average includePad=" + includePad);
            }
            checked++;
        }
        assertEquals(true, checked > 200, "too few valid geometries: " + checked);
    }

    @Test
    void globalPoolsMatchReference() {
        Random rnd = new Random(7);
        for (int iter = 0; iter < 50; iter++) {
            int planes = 1 + rnd.nextInt(10);
            int size = 1 + rnd.nextInt(300);
            float[] x = new float[planes * size];
            double[] xd = new double[x.length];
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) (rnd.nextGaussian() * 3 + 1);
                xd[i] = x[i];
            }
            float[] fast = new float[planes];
            double[] ref = new double[planes];
            PoolGlobal.averageFloat(x, fast, planes, size);
            PoolGlobal.reference(xd, ref, planes, size, PoolReference.Mode.AVERAGE, 0);
            assertClose(ref, fast, 1e-5, "global average");
            PoolGlobal.maxFloat(x, fast, planes, size);
            PoolGlobal.reference(xd, ref, planes, size, PoolReference.Mode.MAX, 0);
            assertClose(ref, fast, 0, "global max");
        }
    }

    @Test
    void geometryResolvesAutoPadAndCeilMode() {
        int[] one = {1, 1};
        PoolGeometry upper = PoolGeometry.of(new int[] {5, 5}, new int[] {2, 2}, one, one, null, "SAME_UPPER", false);
        assertArrayEquals(new int[] {5, 5}, upper.out());
        assertArrayEquals(new int[] {0, 0}, upper.padBegin());
        assertArrayEquals(new int[] {1, 1}, upper.padEnd());
        PoolGeometry lower = PoolGeometry.of(new int[] {5, 5}, new int[] {2, 2}, one, one, null, "SAME_LOWER", false);
        assertArrayEquals(new int[] {1, 1}, lower.padBegin());
        PoolGeometry ceil = PoolGeometry.of(new int[] {4, 4}, new int[] {3, 3}, new int[] {2, 2}, one, null,
                "NOTSET", true);
        assertArrayEquals(new int[] {2, 2}, ceil.out());
        // With ceil_mode a window may not start in the end padding: 5 + 1 pad, k 2, s 2 -> 3, not 4.
        PoolGeometry clipped = PoolGeometry.of(new int[] {5}, new int[] {2}, new int[] {2}, new int[] {1},
                new int[] {1, 1}, "NOTSET", true);
        assertArrayEquals(new int[] {3}, clipped.out());
    }

    @Test
    void referenceMaxReportsRowAndColumnMajorIndices() {
        // One 2x3 plane; 2x2 windows with stride 1 give a 1x2 output.
        double[] x = {1, 9, 2, 3, 4, 8};
        PoolGeometry g = PoolGeometry.of(new int[] {2, 3}, new int[] {2, 2}, new int[] {1, 1}, new int[] {1, 1},
                null, "NOTSET", false);
        double[] y = new double[2];
        long[] idx = new long[2];
        PoolReference.pool(x, y, 1, g, PoolReference.Mode.MAX, false, 0, idx, false);
        assertArrayEquals(new double[] {9, 9}, y);
        assertArrayEquals(new long[] {1, 1}, idx);
        PoolReference.pool(x, y, 1, g, PoolReference.Mode.MAX, false, 0, idx, true);
        assertArrayEquals(new long[] {2, 2}, idx); // (h=0, w=1) -> w * H + h
    }

    static void assertClose(double[] expected, float[] actual, double rtol, String what) {
        assertEquals(expected.length, actual.length, what);
        for (int i = 0; i < expected.length; i++) {
            double tol = rtol * Math.abs(expected[i]) + 1e-6;
            if (Double.isInfinite(expected[i]) || Double.isNaN(expected[i])) {
                assertEquals((float) expected[i], actual[i], 0, what + " at " + i);
            } else {
                assertEquals(expected[i], actual[i], tol, what + " at " + i);
            }
        }
    }
}
