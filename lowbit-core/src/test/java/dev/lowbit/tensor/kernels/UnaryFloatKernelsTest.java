package dev.lowbit.tensor.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

class UnaryFloatKernelsTest {
    @Test
    void vectorPathsMatchScalarReference() {
        Random rnd = new Random(1234);
        for (int n : new int[] {1, 7, 16, 33, 1000, 70_001}) {
            float[] x = new float[n];
            for (int i = 0; i < n; i++) {
                x[i] = (float) (rnd.nextGaussian() * (i % 3 == 0 ? 6 : 1.5));
            }
            x[0] = n > 1 ? 0f : x[0];
            for (UnaryFloatKernels.Kind k : UnaryFloatKernels.Kind.values()) {
                float p1 = k == UnaryFloatKernels.Kind.CLIP ? -1.5f : 0.2f;
                float p2 = k == UnaryFloatKernels.Kind.CLIP ? 2.5f : 0.5f;
                float[] want = UnaryFloatKernels.reference(k, x, p1, p2);
                float[] got = UnaryFloatKernels.apply(k, x, p1, p2);
                for (int i = 0; i < n; i++) {
                    // exp/tanh/erf vector forms are approximations within a few ulps.
                    double tol = 2e-7 + 2e-6 * Math.abs(want[i]);
                    assertTrue(Math.abs(got[i] - want[i]) <= tol,
                            k + " at x=" + x[i] + ": " + got[i] + " vs " + want[i]);
                }
            }
        }
    }

    @Test
    void erfMatchesKnownValues() {
        assertEquals(0.5204998778130465, UnaryMath.erf(0.5), 1e-15);
        assertEquals(0.8427007929497149, UnaryMath.erf(1), 1e-15);
        assertEquals(0.9953222650189527, UnaryMath.erf(2), 1e-15);
        assertEquals(-0.9999779095030014, UnaryMath.erf(-3), 1e-15);
        // erf(x) = 2/sqrt(pi) (x - x^3/3 + ...) for small x.
        assertEquals(2 / Math.sqrt(Math.PI) * (1e-4 - 1e-12 / 3), UnaryMath.erf(1e-4), 1e-19);
        assertEquals(1.0, UnaryMath.erf(7), 0);
        assertTrue(Double.isNaN(UnaryMath.erf(Double.NaN)));
    }

    @Test
    void specialValues() {
        float[] x = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, -0f};
        float[] erf = UnaryFloatKernels.apply(UnaryFloatKernels.Kind.ERF, x, 0, 0);
        assertTrue(Float.isNaN(erf[0]));
        assertEquals(1f, erf[1]);
        assertEquals(-1f, erf[2]);
        float[] sig = UnaryFloatKernels.apply(UnaryFloatKernels.Kind.SIGMOID, x, 0, 0);
        assertEquals(1f, sig[1]);
        assertEquals(0f, sig[2]);
        assertEquals(0.5f, sig[3]);
        float[] relu = UnaryFloatKernels.apply(UnaryFloatKernels.Kind.RELU, x, 0, 0);
        assertTrue(Float.isNaN(relu[0]));
        assertEquals(0f, relu[2]);
    }
}
