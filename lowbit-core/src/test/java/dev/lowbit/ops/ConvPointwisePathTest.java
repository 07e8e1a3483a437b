package dev.lowbit.ops;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.lowbit.exec.Op;
import dev.lowbit.onnx.Attribute;
import dev.lowbit.tensor.DType;
import dev.lowbit.tensor.Parallel;
import dev.lowbit.tensor.Tensor;
import dev.lowbit.tensor.kernels.Clamp;
import dev.lowbit.tensor.kernels.ConvGeometry;
import dev.lowbit.tensor.kernels.Gemm;
import dev.lowbit.tensor.kernels.GemmPacked;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * 1x1 Convs with a constant weight ({@link ConvPointwise}'s direct kernel, and the im2col GEMM below
 * its minimum map size) with bias, fused residual and clamp, against the naive reference of
 * {@link ConvOpsTest}; 1 to 3 threads must agree exactly.
 */
class ConvPointwisePathTest {
    private static Tensor random(Random rnd, int... shape) {
        Tensor t = Tensor.zeros(DType.FLOAT, shape);
        float[] f = t.floats();
        for (int i = 0; i < f.length; i++) {
            f[i] = rnd.nextFloat() * 2 - 1;
        }
        return t;
    }

    @Test
    void pointwiseMatchesReferenceWithEveryEpilogue() {
        Random rnd = new Random(17);
        int threadsBefore = Parallel.threads();
        try {
            for (int trial = 0; trial < 40; trial++) {
                int batch = new int[] {1, 2, 5}[trial % 3];
                int channels = 1 + rnd.nextInt(70);
                int filters = 1 + rnd.nextInt(90);
                int h = 1 + rnd.nextInt(trial % 4 == 0 ? 30 : 9), w = 1 + rnd.nextInt(trial % 5 == 0 ? 30 : 9);
                Tensor x = random(rnd, batch, channels, h, w), wt = random(rnd, filters, channels, 1, 1);
                Tensor b = trial % 2 == 0 ? random(rnd, filters) : null;
                Tensor r = random(rnd, batch, filters, h, w);
                boolean residual = trial % 3 != 2, clamp = trial % 4 != 1;
                float[] expected = ConvOpsTest.referenceConv(x, wt, b == null ? null : b.floats(), 1,
                        new int[] {1, 1}, new int[] {1, 1}, new int[] {0, 0}, new int[] {h, w});
                for (int i = 0; i < expected.length; i++) {
                    float v = expected[i] + (residual ? r.floats()[i] : 0f);
                    expected[i] = clamp ? Clamp.reference(v, 0f, 6f) : v;
                }
                String what = "trial " + trial + " batch " + batch + " " + channels + "->" + filters + " " + h + "x" + w;
                float[] single = null;
                for (int threads : new int[] {1, 2, 3}) {
                    Parallel.setThreads(threads);
                    Op op = ConvFusedPathsTest.conv(wt, residual, clamp, Attribute.ofInts("kernel_shape", 1, 1));
                    Tensor y = op.run(new Tensor[] {x, wt, b, r})[0];
                    assertArrayEquals(new int[] {batch, filters, h, w}, y.shapeRef(), what);
                    for (int i = 0; i < expected.length; i++) {
                        // float sums of up to 70 products of values in [-1, 1], in another order than the reference's
                        assertEquals(expected[i], y.floats()[i], 2e-5f + 1e-5f * Math.abs(expected[i]),
                                what + " threads " + threads + " element " + i);
                    }
                    if (single == null) {
                        single = y.floats().clone();
                    } else {
                        assertArrayEquals(single, y.floats(), what + ": thread counts disagree");
                    }
                }
            }
        } finally {
            Parallel.setThreads(threadsBefore);
        }
    }

    /**
     * {@link ConvPointwise#run} on its own: maps from 1 to 300 positions (partial vectors, the input
     * array's last image, whose loads would run past the array), channel counts past the packing's
     * K block, filter counts ending inside a weight panel, batches smaller and larger than the
     * threads, so that images or weight panels are split.
     */
    @Test
    void directMatchesReferenceOverThreads() {
        Random rnd = new Random(3);
        int threadsBefore = Parallel.threads();
        try {
            for (int trial = 0; trial < 40; trial++) {
                int batch = 1 + rnd.nextInt(6);
                int channels = trial % 8 == 0 ? 257 + rnd.nextInt(60) : 1 + rnd.nextInt(70);
                int filters = 1 + rnd.nextInt(50);
                int h = 1 + rnd.nextInt(trial % 5 == 0 ? 20 : 8), w = 1 + rnd.nextInt(15);
                ConvGeometry geo = new ConvGeometry(new int[] {h, w}, new int[] {1, 1}, new int[] {1, 1},
                        new int[] {1, 1}, new int[] {0, 0}, new int[] {h, w});
                Tensor x = random(rnd, batch, channels, h, w), wt = random(rnd, filters, channels, 1, 1);
                float[] b = trial % 3 == 0 ? null : random(rnd, filters).floats();
                float[] r = trial % 2 == 0 ? random(rnd, batch, filters, h, w).floats() : null;
                boolean clamp = trial % 4 != 1;
                float[] expected = ConvOpsTest.referenceConv(x, wt, b, 1, new int[] {1, 1}, new int[] {1, 1},
                        new int[] {0, 0}, new int[] {h, w});
                for (int i = 0; i < expected.length; i++) {
                    float v = expected[i] + (r != null ? r[i] : 0f);
                    expected[i] = clamp ? Clamp.reference(v, 0f, 6f) : v;
                }
                GemmPacked packed = Gemm.packA(false, filters, channels, wt.floats(), 0, channels);
                String what = "trial " + trial + " batch " + batch + " " + channels + " -> " + filters + " at " + h
                        + "x" + w;
                float[] single = null;
                for (int threads : new int[] {1, 2, 3}) {
                    Parallel.setThreads(threads);
                    float[] y = new float[expected.length];
                    ConvPointwise.run(packed, new ConvGemm.Problem(geo, batch, channels, filters, 1,
                            x.floats(), new GemmPacked[] {packed}, b, r, y, clamp, 0f, 6f));
                    for (int i = 0; i < expected.length; i++) {
                        float tol = 1e-5f * (1 + channels) * (1 + Math.abs(expected[i]));
                        assertEquals(expected[i], y[i], tol, what + " threads " + threads + " element " + i);
                    }
                    if (single == null) {
                        single = y;
                    } else {
                        assertArrayEquals(single, y, what + ": thread counts disagree");
                    }
                }
            }
        } finally {
            Parallel.setThreads(threadsBefore);
        }
    }

    /** The Conv op on 7x7 maps over a batch (49 positions: three whole vectors and a partial one) against the reference. */
    @Test
    void convOpOnSmallMapsOverABatch() {
        Random rnd = new Random(8);
        int batch = 4, channels = 40, filters = 24;
        Tensor x = random(rnd, batch, channels, 7, 7), wt = random(rnd, filters, channels, 1, 1);
        Tensor b = random(rnd, filters), r = random(rnd, batch, filters, 7, 7);
        Tensor y = ConvFusedPathsTest.conv(wt, true, true, Attribute.ofInts("kernel_shape", 1, 1))
                .run(new Tensor[] {x, wt, b, r})[0];
        float[] expected = ConvOpsTest.referenceConv(x, wt, b.floats(), 1, new int[] {1, 1}, new int[] {1, 1},
                new int[] {0, 0}, new int[] {7, 7});
        for (int i = 0; i < expected.length; i++) {
            float e = Clamp.reference(expected[i] + r.floats()[i], 0f, 6f);
            assertEquals(e, y.floats()[i], 1e-4f, "element " + i);
        }
    }
}
