package dev.lowbit.ops;

import static dev.lowbit.ops.OrtReferee.random8;
import static dev.lowbit.ops.OrtReferee.scalar8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lowbit.exec.OpContext;
import dev.lowbit.onnx.Attribute;
import dev.lowbit.onnx.Graph;
import dev.lowbit.onnx.Node;
import dev.lowbit.tensor.DType;
import dev.lowbit.tensor.Parallel;
import dev.lowbit.tensor.Tensor;
import dev.lowbit.tensor.kernels.Int16Gemm;
import dev.lowbit.tensor.kernels.IntConv;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * QLinearConv/ConvInteger with narrow (7-bit) constant weights run on the int16-run GEMM when the
 * input is narrow too: outputs must equal, byte for byte, the same node with its weights fed at
 * run time (always the int32 kernels), also for inputs that use all 8 bits (which fall back).
 */
class Int16AccumulationTest {
    private static final int[] THREADS = {1, 2, 3};

    @Test
    void qlinearConvOnNarrowOperandsEqualsTheInt32Kernels() {
        Random r = new Random(5);
        for (int trial = 0; trial < 12; trial++) {
            int batch = 1 + r.nextInt(3);
            int c = 4 + r.nextInt(30);
            // Half the trials wide enough (>= MIN_OUT_CHANNELS) for the op to take the int16 path.
            int m = trial % 2 == 0 ? Int16Accumulation.MIN_OUT_CHANNELS + r.nextInt(20) : 1 + r.nextInt(40);
            int hw = 3 + r.nextInt(12);
            boolean xu = r.nextBoolean();
            // 7-bit activations: [0, 127] around zero point 0 or 64 (unsigned) / [-64, 63] around 0 (signed).
            int xzv = xu ? new int[] {0, 64, 127, 200}[r.nextInt(4)] : new int[] {0, -64, 63, 100}[r.nextInt(4)];
            Tensor x = xu ? random8(r, DType.UINT8, 0, 127, batch, c, hw, hw) : random8(r, DType.INT8, -64, 63, batch, c, hw, hw);
            if (trial % 4 == 3) {
                x.bytes()[r.nextInt(x.size())] = (byte) (xu ? 255 : -128); // an 8-bit outlier: no useful runs
            }
            Tensor w = random8(r, DType.INT8, -63, 63, m, c, 3, 3);
            for (int i = 0; i < m; i++) {
                w.bytes()[i * c * 9 + r.nextInt(c * 9)] = (byte) (r.nextBoolean() ? 63 : -63); // at the bound
            }
            Tensor wz = r.nextBoolean() ? scalar8(DType.INT8, 0) : random8(r, DType.INT8, -2, 2, m);
            Tensor xz = scalar8(xu ? DType.UINT8 : DType.INT8, xzv);
            List<Tensor> rest = new ArrayList<>(List.of(Tensor.scalar(0.02f), xz, w, random(r, m), wz,
                    Tensor.scalar(0.5f + r.nextFloat()), scalar8(DType.UINT8, 128)));
            if (r.nextBoolean()) {
                int[] bias = new int[m];
                for (int i = 0; i < m; i++) {
                    bias[i] = r.nextInt(20001) - 10000;
                }
                rest.add(Tensor.of(bias, m));
            }
            List<Attribute> attrs = List.of(Attribute.ofInts("pads", r.nextInt(3), r.nextInt(3), r.nextInt(3), r.nextInt(3)),
                    Attribute.ofInts("strides", 1 + r.nextInt(2), 1));
            for (int threads : THREADS) {
                Tensor constant = run("QLinearConv", attrs, x, rest, -1, threads);
                Tensor fed = run("QLinearConv", attrs, x, rest, 2, threads);
                assertArrayEquals(fed.bytes(), constant.bytes(), "trial " + trial + " threads " + threads);
            }
        }
    }

    @Test
    void convIntegerAccumulatorsEqualTheInt32Kernels() {
        Random r = new Random(6);
        for (int trial = 0; trial < 8; trial++) {
            int group = trial % 3 == 0 ? 2 : 1;
            int cg = 8 + r.nextInt(20);
            int m = group * (1 + r.nextInt(20));
            Tensor x = random8(r, DType.UINT8, 0, 127, 2, cg * group, 9, 7);
            Tensor w = random8(r, DType.UINT8, 100, 226, m, cg, 3, 3);
            List<Tensor> rest = List.of(w, scalar8(DType.UINT8, 64), scalar8(DType.UINT8, 163));
            List<Attribute> attrs = List.of(Attribute.ofInt("group", group));
            for (int threads : THREADS) {
                Tensor constant = run("ConvInteger", attrs, x, rest, -1, threads);
                Tensor fed = run("ConvInteger", attrs, x, rest, 0, threads);
                assertArrayEquals(fed.ints(), constant.ints(), "trial " + trial + " threads " + threads);
            }
        }
    }

    /** The path is taken for 7-bit inputs (centred run length 32767 / (64 * 63) = 8) and declined for 8-bit ones. */
    @Test
    void takenOnlyWhenTheActualInputAllowsUsefulRuns() {
        Random r = new Random(7);
        Tensor w = random8(r, DType.INT8, -63, 63, 16, 8, 3, 3);
        w.bytes()[0] = 63;
        Tensor wz = scalar8(DType.INT8, 0);
        Graph g = new Graph("t");
        g.setInitializer("w", w);
        g.setInitializer("wz", wz);
        Node n = new Node("ConvInteger", "n", new ArrayList<>(List.of("x", "w", "xz", "wz")), new ArrayList<>(List.of("y")));
        OpContext ctx = new OpContext(n, 13, g);
        Int16Accumulation acc = Int16Accumulation.conv(ctx, 1, 3, IntegerOps.ConvAttrs.of(ctx));
        assertNotNull(acc);
        Tensor x = random8(r, DType.UINT8, 0, 127, 1, 8, 6, 6);
        IntegerOps.ConvResult res = acc.convolve(x, true, 64, w, wz);
        assertNotNull(res);
        IntConv.Geometry geo = IntConv.Geometry.of(new int[] {6, 6}, new int[] {3, 3}, new int[] {1, 1}, new int[] {1, 1}, null, "NOTSET");
        int[] expected = IntConv.convolveReference(x.bytes(), true, 64, 1, 8, w.bytes(), false, new int[] {0}, 16, 1, geo);
        assertArrayEquals(expected, res.acc());
        x.bytes()[3] = (byte) 255; // range [0, 255]: |x - 127| <= 128, run 32767 / (128 * 63) = 4 < MIN_FAST_RUN
        assertEquals(4, acc.plan(x, true, 64, w).run());
        assertNull(acc.convolve(x, true, 64, w, wz), "run 4");
        Tensor otherW = random8(r, DType.INT8, -63, 63, 16, 8, 3, 3);
        assertNull(acc.convolve(random8(r, DType.UINT8, 0, 127, 1, 8, 6, 6), true, 64, otherW, wz), "other weights");
    }

    /**
     * 7-bit ReLU outputs, u8 [0, 127] with zero point 0, against 7-bit weights: uncentred the run
     * length would be 32767 / (127 * 63) = 4 (declined); centred on c = 63 it is 32767 / (64 * 63) = 8,
     * the path is taken, and the padded conv equals the int32 reference.
     */
    @Test
    void reluOutputsWithZeroPointZeroGetRunsOfEight() {
        Random r = new Random(8);
        Tensor w = random8(r, DType.INT8, -63, 63, 24, 16, 3, 3);
        w.bytes()[5] = -63;
        Tensor wz = scalar8(DType.INT8, 0);
        Int16Accumulation acc = accumulation(w, wz, List.of(Attribute.ofInts("pads", 1, 1, 1, 1)));
        Tensor x = random8(r, DType.UINT8, 0, 127, 2, 16, 10, 10);
        x.bytes()[0] = 0;
        x.bytes()[1] = 127;
        Int16Accumulation.Plan plan = acc.plan(x, true, 0, w);
        assertEquals(new Int16Gemm.Range(0, 127), plan.range());
        assertEquals(63, plan.range().shift());
        assertEquals(64, plan.range().maxAbs());
        assertEquals(8, plan.run());
        assertEquals(4, Int16Gemm.runLength(127, 63), "the uncentred run");
        assertTrue(4 < Int16Gemm.MIN_FAST_RUN && 8 >= Int16Gemm.MIN_FAST_RUN);
        IntegerOps.ConvResult res = acc.convolve(x, true, 0, w, wz);
        assertNotNull(res);
        IntConv.Geometry geo = IntConv.Geometry.of(new int[] {10, 10}, new int[] {3, 3}, new int[] {1, 1},
                new int[] {1, 1}, new int[] {1, 1, 1, 1}, "NOTSET");
        assertArrayEquals(IntConv.convolveReference(x.bytes(), true, 0, 2, 16, w.bytes(), false, new int[] {0}, 24, 1,
                geo), res.acc());
    }

    /**
     * The path on random convs (pads 0..2, groups, per-channel weight zero points, u8/s8 inputs with
     * xz inside or outside the data's 7-bit range, 1-3 threads): equal to the int32 reference when
     * taken, taken exactly when the centred run length is at least MIN_FAST_RUN.
     */
    @Test
    void centredPathOnRandomConvsEqualsTheInt32Reference() {
        Random r = new Random(9);
        int taken = 0;
        int trials = 0;
        for (int trial = 0; trial < 24; trial++) {
            int group = 1 + r.nextInt(3);
            int cg = 4 + r.nextInt(8);
            int m = group * (1 + r.nextInt(8));
            int[] pads = {r.nextInt(3), r.nextInt(3), r.nextInt(3), r.nextInt(3)};
            boolean xu = r.nextBoolean();
            int from = xu ? r.nextInt(129) : -128 + r.nextInt(129);
            Tensor x = random8(r, xu ? DType.UINT8 : DType.INT8, from, from + 127, 1 + r.nextInt(2), cg * group, 7, 6);
            int xz = trial % 3 == 0 ? from + r.nextInt(128) : trial % 3 == 1 ? from - r.nextInt(from - (xu ? 0 : -128) + 1)
                    : Math.min(xu ? 255 : 127, from + 127 + r.nextInt(20));
            Tensor w = random8(r, DType.INT8, -61, 61, m, cg, 3, 3); // |w - wz| <= 63: 7 bits
            boolean perChannel = r.nextBoolean();
            Tensor wz = perChannel ? random8(r, DType.INT8, -2, 2, m) : scalar8(DType.INT8, r.nextInt(5) - 2);
            int[] wzv = new int[perChannel ? m : 1];
            for (int i = 0; i < wzv.length; i++) {
                wzv[i] = wz.bytes()[i];
            }
            Int16Accumulation acc = accumulation(w, wz, List.of(Attribute.ofInts("pads", Arrays.stream(pads).asLongStream().toArray()),
                    Attribute.ofInt("group", group)));
            assertNotNull(acc);
            IntConv.Geometry geo = IntConv.Geometry.of(new int[] {7, 6}, new int[] {3, 3}, new int[] {1, 1},
                    new int[] {1, 1}, pads, "NOTSET");
            int[] expected = IntConv.convolveReference(x.bytes(), xu, xz, x.dim(0), cg * group, w.bytes(), false, wzv, m,
                    group, geo);
            Int16Accumulation.Plan plan = acc.plan(x, xu, xz, w);
            for (int threads : THREADS) {
                trials++;
                int before = Parallel.threads();
                Parallel.setThreads(threads);
                try {
                    IntegerOps.ConvResult res = acc.convolve(x, xu, xz, w, wz);
                    assertEquals(plan.run() >= Int16Gemm.MIN_FAST_RUN, res != null, "run " + plan.run());
                    if (res != null) {
                        taken++;
                        assertArrayEquals(expected, res.acc(), "trial " + trial + " threads " + threads + " " + plan.range());
                    }
                } finally {
                    Parallel.setThreads(before);
                }
            }
        }
        assertTrue(taken >= trials / 3, taken + " of " + trials + " taken");
    }

    /** The accumulation for a ConvInteger node with constant weights w and zero point wz. */
    private static Int16Accumulation accumulation(Tensor w, Tensor wz, List<Attribute> attrs) {
        Graph g = new Graph("t");
        g.setInitializer("w", w);
        g.setInitializer("wz", wz);
        Node n = new Node("ConvInteger", "n", new ArrayList<>(List.of("x", "w", "xz", "wz")), new ArrayList<>(List.of("y")));
        attrs.forEach(n::set);
        OpContext ctx = new OpContext(n, 13, g);
        return Int16Accumulation.conv(ctx, 1, 3, IntegerOps.ConvAttrs.of(ctx));
    }

    private static Tensor random(Random r, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = 0.001f + 0.01f * r.nextFloat();
        }
        return Tensor.of(v, n);
    }

    /** A one-node graph: x fed; others initializers except index {@code fedIndex} (-1: none), fed too. */
    private static Tensor run(String op, List<Attribute> attrs, Tensor x, List<Tensor> others, int fedIndex, int threads) {
        return OneNodeGraph.run(op, attrs, x, others, fedIndex, threads);
    }
}
