package dev.lowbit.ops;

import static dev.lowbit.ops.OrtReferee.random8;
import static dev.lowbit.ops.OrtReferee.scalar8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lowbit.exec.OpContext;
import dev.lowbit.onnx.Graph;
import dev.lowbit.onnx.Node;
import dev.lowbit.tensor.DType;
import dev.lowbit.tensor.Tensor;
import dev.lowbit.tensor.kernels.Int16Gemm;
import dev.lowbit.tensor.kernels.IntGemm;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * QLinearMatMul/MatMulInteger with a constant narrow B on the centred int16-run GEMM: equal to the
 * same node with B fed at run time (the int32 kernels), and to the int32 reference.
 */
class Int16MatMulTest {
    private static final int[] THREADS = {1, 2, 3};

    /** [0, 127] with az = 0 centres on 63: runs of 8 (uncentred they would be 4) and the int32 sums. */
    @Test
    void reluRowsWithZeroPointZeroGetRunsOfEight() {
        Random r = new Random(11);
        int k = 70;
        int n = 45;
        Tensor b = random8(r, DType.INT8, -63, 63, k, n);
        b.bytes()[3] = 63;
        Tensor bz = scalar8(DType.INT8, 0);
        Int16MatMul mm = Int16MatMul.of(context("MatMulInteger", b, bz, 1, 3), 1, 3);
        assertNotNull(mm);
        Tensor a = random8(r, DType.UINT8, 0, 127, 2, 9, k);
        a.bytes()[0] = 0;
        a.bytes()[1] = 127;
        Int16MatMul.Plan plan = mm.plan(a, true);
        assertEquals(new Int16Gemm.Range(0, 127), plan.range());
        assertEquals(63, plan.range().shift());
        assertEquals(8, plan.run());
        assertEquals(4, Int16Gemm.runLength(127, 63), "the uncentred run");
        IntegerOps.MatMulResult res = mm.multiply(a, true, 0, b, bz);
        assertNotNull(res);
        assertArrayEquals(new int[] {2, 9, n}, res.shape());
        int[] expected = new int[18 * n];
        IntGemm.multiplyReference(a.bytes(), 0, true, new int[] {0}, 18, k, b.bytes(), 0, false, new int[] {0}, n,
                expected, 0);
        assertArrayEquals(expected, res.acc());
        a.bytes()[2] = (byte) 255; // [0, 255]: |a - 127| <= 128, runs of 4: declined
        assertEquals(4, mm.plan(a, true).run());
        assertNull(mm.multiply(a, true, 0, b, bz));
        assertNull(mm.multiply(random8(r, DType.UINT8, 0, 127, 3, k), true, 0, random8(r, DType.INT8, -63, 63, k, n), bz),
                "other B");
    }

    /**
     * At the bound: rows of 129 with one 0 (range [0, 129], c = 64, |a - c| <= 65) against B of +-63:
     * runs of 32767 / (65 * 63) = 8 sum to +-32760 in int16; the result is the int32 sum.
     */
    @Test
    void centredRunsOfEightAtTheBound() {
        int k = 64;
        int n = 10;
        Tensor b = Tensor.zeros(DType.INT8, k, n);
        for (int i = 0; i < k * n; i++) {
            b.bytes()[i] = (byte) ((i % n) % 2 == 0 ? 63 : -63);
        }
        Tensor a = Tensor.zeros(DType.UINT8, 5, k);
        Arrays.fill(a.bytes(), (byte) 129);
        a.bytes()[k - 1] = 0;
        Int16MatMul mm = Int16MatMul.of(context("MatMulInteger", b, null, 1, 3), 1, 3);
        assertNotNull(mm);
        Int16MatMul.Plan plan = mm.plan(a, true);
        assertEquals(64, plan.range().shift());
        assertEquals(65, plan.range().maxAbs());
        assertEquals(8, plan.run());
        IntegerOps.MatMulResult res = mm.multiply(a, true, 0, b, null);
        assertNotNull(res);
        assertEquals(129 * 63 * k, res.acc()[n]); // row 1, column 0
        assertEquals(-129 * 63 * k, res.acc()[n + 1]);
        assertEquals(129 * 63 * (k - 1), res.acc()[0]);
    }

    /** Random shapes (A rank 1-3), u8/s8 A with az inside or outside its range, per-column bz, 1-3 threads. */
    @Test
    void constantBEqualsFedBOnRandomShapes() {
        Random r = new Random(12);
        int taken = 0;
        for (int trial = 0; trial < 16; trial++) {
            int k = 32 + r.nextInt(200);
            int n = 1 + r.nextInt(70);
            boolean au = r.nextBoolean();
            int from = au ? r.nextInt(129) : -128 + r.nextInt(129);
            int[] shape = switch (trial % 3) {
                case 0 -> new int[] {k};
                case 1 -> new int[] {1 + r.nextInt(40), k};
                default -> new int[] {2, 1 + r.nextInt(9), k};
            };
            Tensor a = random8(r, au ? DType.UINT8 : DType.INT8, from, from + (trial % 4 == 3 ? 40 : 127), shape);
            int az = trial % 2 == 0 ? from + r.nextInt(128) : au ? r.nextInt(256) : -128 + r.nextInt(256);
            Tensor b = random8(r, DType.INT8, -61, 61, k, n);
            Tensor bz = r.nextBoolean() ? random8(r, DType.INT8, -2, 2, n) : scalar8(DType.INT8, r.nextInt(5) - 2);
            Tensor azT = scalar8(au ? DType.UINT8 : DType.INT8, az);
            Int16MatMul mm = Int16MatMul.of(context("MatMulInteger", b, bz, 1, 3), 1, 3);
            assertNotNull(mm);
            boolean takes = mm.plan(a, au).run() >= Int16Gemm.MIN_FAST_RUN;
            taken += takes ? 1 : 0;
            for (int threads : THREADS) {
                List<Tensor> ints = List.of(b, azT, bz);
                Tensor constant = run("MatMulInteger", a, ints, -1, threads);
                Tensor fed = run("MatMulInteger", a, ints, 0, threads);
                assertArrayEquals(fed.shape(), constant.shape());
                assertArrayEquals(fed.ints(), constant.ints(), "MatMulInteger trial " + trial + " threads " + threads);
                List<Tensor> q = List.of(Tensor.scalar(0.02f), azT, b, Tensor.scalar(0.01f), bz, Tensor.scalar(3f),
                        scalar8(DType.UINT8, 128));
                Tensor qConstant = run("QLinearMatMul", a, q, -1, threads);
                Tensor qFed = run("QLinearMatMul", a, q, 2, threads);
                assertArrayEquals(qFed.bytes(), qConstant.bytes(), "QLinearMatMul trial " + trial + " threads " + threads);
            }
        }
        assertTrue(taken >= 5, taken + " of 16 taken");
    }

    /** An OpContext for a node whose B (input bIndex) and zero point (input zpIndex, null: absent) are initializers. */
    private static OpContext context(String op, Tensor b, Tensor zp, int bIndex, int zpIndex) {
        Graph g = new Graph("t");
        List<String> in = new ArrayList<>();
        for (int i = 0; i <= zpIndex; i++) {
            in.add(i == bIndex ? "b" : i == zpIndex && zp != null ? "bz" : i == zpIndex ? "" : "in" + i);
        }
        g.setInitializer("b", b);
        if (zp != null) {
            g.setInitializer("bz", zp);
        }
        return new OpContext(new Node(op, "n", in, new ArrayList<>(List.of("y"))), 13, g);
    }

    /** A one-node graph: a fed; others initializers except index {@code fedIndex} (-1: none), fed too. */
    private static Tensor run(String op, Tensor a, List<Tensor> others, int fedIndex, int threads) {
        return OneNodeGraph.run(op, List.of(), a, others, fedIndex, threads);
    }
}
