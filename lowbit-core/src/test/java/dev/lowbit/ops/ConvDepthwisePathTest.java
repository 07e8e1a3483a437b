package dev.lowbit.ops;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.lowbit.exec.Op;
import dev.lowbit.onnx.Attribute;
import dev.lowbit.tensor.DType;
import dev.lowbit.tensor.Parallel;
import dev.lowbit.tensor.Tensor;
import dev.lowbit.tensor.kernels.Clamp;
import dev.lowbit.tensor.kernels.ConvDepthwiseKernel;
import dev.lowbit.tensor.kernels.ConvDirectKernel;
import dev.lowbit.tensor.kernels.ConvGeometry;
import dev.lowbit.tensor.kernels.VectorizationProvider;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Depthwise Conv (one input and one output channel per group: in place for stride 1 and rows as wide
 * as the input's, else channel-blocked on small maps or phase planes + a flat vector loop per channel)
 * with fused residual and clamp, against the naive reference of {@link ConvOpsTest}: strides
 * 1 to 3 (MobileNet's stride 2 included), dilations, asymmetric pads, odd sizes from 1x1 to wide rows,
 * batch 1 and more, 1 to 3 threads (which must agree exactly).
 */
class ConvDepthwisePathTest {
    private static Tensor random(Random rnd, int... shape) {
        Tensor t = Tensor.zeros(DType.FLOAT, shape);
        float[] f = t.floats();
        for (int i = 0; i < f.length; i++) {
            f[i] = rnd.nextFloat() * 2 - 1;
        }
        return t;
    }

    @Test
    void depthwiseMatchesReferenceForAllStrides() {
        Random rnd = new Random(11);
        int threadsBefore = Parallel.threads();
        try {
            for (int trial = 0; trial < 90; trial++) {
                int batch = new int[] {1, 2, 3, 9}[trial % 4];
                int channels = 1 + rnd.nextInt(trial % 3 == 0 ? 40 : 7);
                int h = 1 + rnd.nextInt(trial % 5 == 0 ? 60 : 16), w = 1 + rnd.nextInt(trial % 7 == 0 ? 70 : 16);
                int kH = 1 + rnd.nextInt(trial % 4 == 0 ? 5 : 3), kW = trial % 2 == 0 ? kH : 1 + rnd.nextInt(3);
                int sH = 1 + rnd.nextInt(3), sW = trial % 3 == 1 ? sH : 1 + rnd.nextInt(3);
                int dH = trial % 8 == 0 ? 2 : 1, dW = trial % 6 == 0 ? 2 : 1;
                int pt = rnd.nextInt(kH), pl = rnd.nextInt(kW), pb = rnd.nextInt(kH), pr = rnd.nextInt(kW);
                int spanH = (kH - 1) * dH + 1, spanW = (kW - 1) * dW + 1;
                if (trial % 3 == 0) {
                    // stride 1, rows as wide as the input's: the in-place path (ConvDepthwiseInPlace)
                    sH = 1;
                    sW = 1;
                    pl = rnd.nextInt(spanW);
                    pr = spanW - 1 - pl;
                }
                if (h + pt + pb < spanH || w + pl + pr < spanW) {
                    pb += spanH;
                    pr += spanW;
                }
                int oh = (h + pt + pb - spanH) / sH + 1, ow = (w + pl + pr - spanW) / sW + 1;
                Tensor x = random(rnd, batch, channels, h, w), wt = random(rnd, channels, 1, kH, kW);
                Tensor b = trial % 2 == 0 ? random(rnd, channels) : null;
                Tensor r = random(rnd, batch, channels, oh, ow);
                boolean residual = trial % 3 != 2, clamp = trial % 4 != 1;
                float[] expected = ConvOpsTest.referenceConv(x, wt, b == null ? null : b.floats(), channels,
                        new int[] {sH, sW}, new int[] {dH, dW}, new int[] {pt, pl}, new int[] {oh, ow});
                for (int i = 0; i < expected.length; i++) {
                    float v = expected[i] + (residual ? r.floats()[i] : 0f);
                    expected[i] = clamp ? Clamp.reference(v, 0f, 6f) : v;
                }
                Attribute[] attrs = {Attribute.ofInt("group", channels), Attribute.ofInts("strides", sH, sW),
                        Attribute.ofInts("dilations", dH, dW), Attribute.ofInts("pads", pt, pl, pb, pr),
                        Attribute.ofInts("kernel_shape", kH, kW)};
                String what = "trial " + trial + " batch " + batch + " c " + channels + " " + h + "x" + w + " k" + kH
                        + "x" + kW + " s" + sH + "x" + sW + " d" + dH + "x" + dW;
                float[] single = null;
                for (int threads : new int[] {1, 2, 3}) {
                    Parallel.setThreads(threads);
                    Op op = ConvFusedPathsTest.conv(wt, residual, clamp, attrs);
                    Tensor y = op.run(new Tensor[] {x, wt, b, r})[0];
                    assertArrayEquals(new int[] {batch, channels, oh, ow}, y.shapeRef(), what);
                    for (int i = 0; i < expected.length; i++) {
                        assertEquals(expected[i], y.floats()[i], 1e-5f + 1e-5f * Math.abs(expected[i]),
                                what + " threads " + threads + " element " + i);
                    }
                    if (single == null) {
                        single = y.floats();
                    } else {
                        assertArrayEquals(single, y.floats(), what + ": thread counts disagree");
                    }
                }
            }
        } finally {
            Parallel.setThreads(threadsBefore);
        }
    }

    /** The Vector API flat loop against the scalar kernel on the same phase planes (real positions only). */
    @Test
    void vectorFlatLoopMatchesScalarKernel() {
        Random rnd = new Random(5);
        ConvDepthwiseKernel fast = VectorizationProvider.get().depthwiseConv();
        ConvDepthwiseKernel scalar = VectorizationProvider.scalar().depthwiseConv();
        for (int trial = 0; trial < 200; trial++) {
            int h = 1 + rnd.nextInt(30), w = 1 + rnd.nextInt(40), kH = 1 + rnd.nextInt(5), kW = 1 + rnd.nextInt(5);
            int sH = 1 + rnd.nextInt(3), sW = 1 + rnd.nextInt(3), dH = 1 + rnd.nextInt(2), dW = 1 + rnd.nextInt(2);
            int pt = rnd.nextInt(kH), pl = rnd.nextInt(kW), pb = rnd.nextInt(kH), pr = rnd.nextInt(kW);
            int spanH = (kH - 1) * dH + 1, spanW = (kW - 1) * dW + 1;
            if (h + pt + pb < spanH || w + pl + pr < spanW) {
                continue;
            }
            int oh = (h + pt + pb - spanH) / sH + 1, ow = (w + pl + pr - spanW) / sW + 1;
            ConvGeometry g = new ConvGeometry(new int[] {h, w}, new int[] {kH, kW}, new int[] {sH, sW},
                    new int[] {dH, dW}, new int[] {pt, pl}, new int[] {oh, ow});
            ConvDirectKernel.Plan plan = ConvDirectKernel.Plan.of(g, 1);
            float[] x = random(rnd, 1, 1, h, w).floats();
            float[] wt = random(rnd, kH * kW + 3).floats();
            float[] planes = new float[plan.planesSize(ConvDepthwiseKernel.PLANE_SLACK)];
            java.util.Arrays.fill(planes, Float.NaN); // stale scratch must not leak into real outputs
            ConvDirectKernel.buildPlanes(plan, x, 0, planes, ConvDepthwiseKernel.PLANE_SLACK);
            float[] a = new float[ConvDepthwiseKernel.flatSize(plan)];
            float[] b = new float[ConvDepthwiseKernel.flatSize(plan)];
            fast.flat(plan, planes, wt, 3, a);
            scalar.flat(plan, planes, wt, 3, b);
            for (int r = 0; r < oh; r++) {
                for (int c = 0; c < ow; c++) {
                    int q = r * plan.phW() + c;
                    assertEquals(b[q], a[q], 1e-5f + 1e-5f * Math.abs(b[q]), "trial " + trial + " at " + r + "," + c);
                }
            }
        }
    }
}
