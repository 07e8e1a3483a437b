package dev.lowbit.ops;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.lowbit.exec.Op;
import dev.lowbit.exec.OpContext;
import dev.lowbit.exec.OpRegistry;
import dev.lowbit.onnx.Attribute;
import dev.lowbit.onnx.Graph;
import dev.lowbit.onnx.Node;
import dev.lowbit.tensor.DType;
import dev.lowbit.tensor.Parallel;
import dev.lowbit.tensor.Tensor;
import dev.lowbit.tensor.UninitializedArrays;
import dev.lowbit.tensor.kernels.Clamp;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Conv's fast paths (columns batched across images, direct convolution) with the fused residual Add
 * and clamp, against the naive reference of {@link ConvOpsTest}: many small and odd geometries, batch 1
 * and more, single- and multi-threaded (which must agree exactly).
 */
class ConvFusedPathsTest {
    private static Tensor random(Random rnd, int... shape) {
        Tensor t = Tensor.zeros(DType.FLOAT, shape);
        float[] f = t.floats();
        for (int i = 0; i < f.length; i++) {
            f[i] = rnd.nextFloat() * 2 - 1;
        }
        return t;
    }

    static Op conv(Tensor constWeight, boolean residual, boolean clamp, Attribute... attrs) {
        Node n = new Node("Conv", "n", residual ? List.of("x", "w", "b", "r") : List.of("x", "w", "b"), List.of("y"));
        for (Attribute a : attrs) {
            n.set(a);
        }
        if (residual) {
            n.set(Attribute.ofInt(ConvForward.FUSED_ADD, 1));
        }
        if (clamp) {
            n.set(Attribute.ofFloat(ConvForward.FUSED_MIN, 0f)).set(Attribute.ofFloat(ConvForward.FUSED_MAX, 6f));
        }
        Graph g = new Graph("g");
        if (constWeight != null) {
            g.setInitializer("w", constWeight);
        }
        return OpRegistry.standard().create(new OpContext(n, 17, g));
    }

    /**
     * The default test run exports jdk.internal.misc (pom argLine), so Conv outputs start as garbage
     * and a missed element shows; the scalar-kernels run does not, and gets plain arrays.
     */
    @Test
    void convOutputsAreAllocatedUninitializedExactlyWhenTheJdkExportsUnsafe() {
        Module lowbit = UninitializedArrays.class.getModule();
        boolean exported = Object.class.getModule().isExported("jdk.internal.misc", lowbit);
        assertEquals(exported, UninitializedArrays.available());
        assertEquals(!Boolean.getBoolean("lowbit.test.vectorModuleAbsent"), exported);
    }

    @Test
    void fusedConvMatchesReferenceOnSmallAndOddGeometries() {
        Random rnd = new Random(7);
        int threadsBefore = Parallel.threads();
        try {
            for (int trial = 0; trial < 80; trial++) {
                int batch = new int[] {1, 2, 5, 33}[trial % 4];
                int group = trial % 7 == 3 ? 2 : 1;
                int cg = 1 + rnd.nextInt(trial % 3 == 0 ? 40 : 6);
                int mg = 1 + rnd.nextInt(trial % 5 == 0 ? 70 : 12);
                int h = 1 + rnd.nextInt(trial % 2 == 0 ? 4 : 17), w = 1 + rnd.nextInt(13);
                int k = 1 + rnd.nextInt(trial % 6 == 0 ? 7 : 3), s = 1 + rnd.nextInt(2), d = trial % 9 == 0 ? 2 : 1;
                int pt = rnd.nextInt(k), pl = rnd.nextInt(k), pb = rnd.nextInt(k), pr = rnd.nextInt(k);
                int span = (k - 1) * d + 1;
                if (h + pt + pb < span || w + pl + pr < span) {
                    pb += span;
                    pr += span;
                }
                int oh = (h + pt + pb - span) / s + 1, ow = (w + pl + pr - span) / s + 1;
                Tensor x = random(rnd, batch, cg * group, h, w), wt = random(rnd, mg * group, cg, k, k);
                Tensor b = trial % 2 == 0 ? random(rnd, mg * group) : null;
                Tensor r = random(rnd, batch, mg * group, oh, ow);
                boolean residual = trial % 3 != 2, clamp = trial % 4 != 1;
                float[] expected = ConvOpsTest.referenceConv(x, wt, b == null ? null : b.floats(), group,
                        new int[] {s, s}, new int[] {d, d}, new int[] {pt, pl}, new int[] {oh, ow});
                for (int i = 0; i < expected.length; i++) {
                    float v = expected[i] + (residual ? r.floats()[i] : 0f);
                    expected[i] = clamp ? Clamp.reference(v, 0f, 6f) : v;
                }
                Attribute[] attrs = {Attribute.ofInt("group", group), Attribute.ofInts("strides", s, s),
                        Attribute.ofInts("dilations", d, d), Attribute.ofInts("pads", pt, pl, pb, pr)};
                String what = "trial " + trial + " batch " + batch + " c " + cg + " m " + mg + " " + h + "x" + w
                        + " k" + k + " s" + s + " d" + d;
                float[] single = null;
                for (int threads : new int[] {1, 2, 3}) {
                    Parallel.setThreads(threads);
                    for (Tensor constW : new Tensor[] {null, wt}) {
                        Tensor y = conv(constW, residual, clamp, attrs).run(new Tensor[] {x, wt, b, r})[0];
                        assertArrayEquals(new int[] {batch, mg * group, oh, ow}, y.shapeRef(), what);
                        assertClose(expected, y.floats(), what);
                        if (constW == null) {
                            continue; // a weight known only at run time may take another path, in another order
                        }
                        if (single == null) {
                            single = y.floats();
                        } else {
                            assertArrayEquals(single, y.floats(), what + ": thread counts disagree");
                        }
                    }
                }
            }
        } finally {
            Parallel.setThreads(threadsBefore);
        }
    }

    @Test
    void broadcastingResidualFallsBackToAnAddAfterTheConv() {
        Random rnd = new Random(3);
        Tensor x = random(rnd, 2, 3, 5, 5), wt = random(rnd, 4, 3, 3, 3), r = random(rnd, 4, 1, 1);
        float[] expected = ConvOpsTest.referenceConv(x, wt, null, 1, new int[] {1, 1}, new int[] {1, 1},
                new int[] {1, 1}, new int[] {5, 5});
        for (int i = 0; i < expected.length; i++) {
            expected[i] = Clamp.reference(expected[i] + r.floats()[(i / 25) % 4], 0f, 6f);
        }
        Tensor y = conv(wt, true, true, Attribute.ofInts("pads", 1, 1, 1, 1)).run(new Tensor[] {x, wt, null, r})[0];
        assertArrayEquals(new int[] {2, 4, 5, 5}, y.shapeRef());
        assertClose(expected, y.floats(), "broadcast residual");
    }

    /** Tiny maps where some kernel taps only ever read padding (dropped from the GEMM's K). */
    @Test
    void tapsThatOnlySeePaddingAreDroppedExactly() {
        Random rnd = new Random(17);
        int[][] cases = {{1, 1, 3, 1, 1}, {2, 2, 3, 2, 1}, {1, 3, 5, 1, 2}, {2, 1, 3, 1, 1}, {3, 3, 7, 2, 3}, {1, 1, 3, 2, 1}};
        for (int[] cs : cases) {
            int h = cs[0], w = cs[1], k = cs[2], s = cs[3], p = cs[4];
            int oh = (h + 2 * p - k) / s + 1, ow = (w + 2 * p - k) / s + 1;
            for (int batch : new int[] {1, 4}) {
                Tensor x = random(rnd, batch, 37, h, w), wt = random(rnd, 11, 37, k, k), b = random(rnd, 11);
                float[] expected = ConvOpsTest.referenceConv(x, wt, b.floats(), 1, new int[] {s, s}, new int[] {1, 1},
                        new int[] {p, p}, new int[] {oh, ow});
                for (Tensor constW : new Tensor[] {null, wt}) {
                    Op op = conv(constW, false, false, Attribute.ofInts("strides", s, s),
                            Attribute.ofInts("pads", p, p, p, p));
                    for (int run = 0; run < 2; run++) { // the second run uses the cached window weights
                        Tensor y = op.run(new Tensor[] {x, wt, b})[0];
                        assertArrayEquals(new int[] {batch, 11, oh, ow}, y.shapeRef());
                        assertClose(expected, y.floats(), java.util.Arrays.toString(cs) + " batch " + batch);
                    }
                }
            }
        }
    }

    private static void assertClose(float[] expected, float[] actual, String what) {
        assertEquals(expected.length, actual.length, what);
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], actual[i], 1e-4f + 1e-4f * Math.abs(expected[i]), what + " element " + i);
        }
    }
}
