package dev.lowbit.ops;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.lowbit.exec.Op;
import dev.lowbit.onnx.Attribute;
import dev.lowbit.tensor.DType;
import dev.lowbit.tensor.Parallel;
import dev.lowbit.tensor.Tensor;
import dev.lowbit.tensor.kernels.Clamp;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * 1x1 Convs with a constant weight (the per-image GEMM of {@link ConvPointwise}, and the batched
 * GEMM below its minimum map size) with bias, fused residual and clamp, against the naive reference
 * of {@link ConvOpsTest}; 1 to 3 threads must agree exactly.
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
}
