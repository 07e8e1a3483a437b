package dev.lowbit.ops;

import static dev.lowbit.ops.OrtReferee.random8;
import static dev.lowbit.ops.OrtReferee.scalar8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lowbit.exec.OpContext;
import dev.lowbit.onnx.Attribute;
import dev.lowbit.onnx.Graph;
import dev.lowbit.onnx.Node;
import dev.lowbit.tensor.DType;
import dev.lowbit.tensor.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Integer ops with constant weights run on the float kernels (ExactFloatAccumulation): their int32
 * accumulators must equal the int32 kernels' bit for bit. The same node runs twice: once with the
 * weights as initializers (float path, when the bound allows) and once with the weights fed at run
 * time (always the int32 kernels). Geometries are random; the extremes sit right at and just past
 * the 2^24 bound, where a single rounding would show.
 */
class ExactFloatAccumulationTest {
    private static final int[] THREADS = {1, 2, 3};

    @Test
    void convIntegerOnRandomGeometriesEqualsTheInt32Kernels() {
        Random r = new Random(42);
        for (int trial = 0; trial < 40; trial++) {
            int rank = 1 + r.nextInt(2);
            int group = r.nextInt(3) == 0 ? 2 : 1;
            boolean depthwise = r.nextInt(4) == 0;
            int cg = depthwise ? 1 : 1 + r.nextInt(6);
            int mg = depthwise ? 1 : 1 + r.nextInt(9);
            if (depthwise) {
                group = 2 + r.nextInt(6);
            }
            int batch = 1 + r.nextInt(3);
            int[] xShape = new int[rank + 2];
            int[] wShape = new int[rank + 2];
            xShape[0] = batch;
            xShape[1] = cg * group;
            wShape[0] = mg * group;
            wShape[1] = cg;
            int[] pads = new int[2 * rank];
            int[] strides = new int[rank];
            int[] dilations = new int[rank];
            for (int d = 0; d < rank; d++) {
                wShape[2 + d] = 1 + r.nextInt(3);
                dilations[d] = 1 + r.nextInt(2);
                strides[d] = 1 + r.nextInt(2);
                pads[d] = r.nextInt(wShape[2 + d]);
                pads[d + rank] = r.nextInt(wShape[2 + d]);
                xShape[2 + d] = (wShape[2 + d] - 1) * dilations[d] + 1 + r.nextInt(12);
            }
            DType xt = r.nextBoolean() ? DType.UINT8 : DType.INT8;
            DType wt = r.nextBoolean() ? DType.UINT8 : DType.INT8;
            Tensor x = random8(r, xt, lo(xt), hi(xt), xShape);
            Tensor w = random8(r, wt, lo(wt), hi(wt), wShape);
            Tensor xz = scalar8(xt, lo(xt) + r.nextInt(256));
            Tensor wz = perChannelZeroPoints(r, wt, wShape[0]);
            List<Attribute> attrs = List.of(Attribute.ofInts("pads", longs(pads)), Attribute.ofInts("strides", longs(strides)),
                    Attribute.ofInts("dilations", longs(dilations)), Attribute.ofInt("group", group));
            assertBothPathsAgree("ConvInteger", attrs, x, List.of(w), List.of(xz, wz), "trial " + trial + " x "
                    + Arrays.toString(xShape) + " w " + Arrays.toString(wShape) + " group " + group);
        }
    }

    @Test
    void matMulIntegerAndQGemmOnRandomShapesEqualTheInt32Kernels() {
        Random r = new Random(7);
        for (int trial = 0; trial < 30; trial++) {
            int m = 1 + r.nextInt(40);
            int k = 1 + r.nextInt(300);
            int n = 1 + r.nextInt(70);
            DType at = r.nextBoolean() ? DType.UINT8 : DType.INT8;
            DType bt = r.nextBoolean() ? DType.UINT8 : DType.INT8;
            int[] aShape = r.nextBoolean() ? new int[] {m, k} : new int[] {2, m, k};
            Tensor a = random8(r, at, lo(at), hi(at), aShape);
            Tensor b = random8(r, bt, lo(bt), hi(bt), k, n);
            Tensor az = scalar8(at, lo(at) + r.nextInt(256));
            Tensor bz = r.nextBoolean() ? scalar8(bt, lo(bt) + r.nextInt(256)) : perChannelZeroPoints(r, bt, n);
            assertBothPathsAgree("MatMulInteger", List.of(), a, List.of(b), List.of(az, bz), "MatMulInteger trial " + trial);
        }
    }

    @Test
    void sumsRightAtTheBoundStayOnTheFloatPathAndExact() {
        // 255 * 128 * 514 = 16,776,960 <= 2^24: every term is the extreme product, the float path applies.
        int k = 514;
        Tensor w = filled(DType.INT8, -128, 3, k, 1);
        Tensor x = filled(DType.UINT8, 255, 2, k, 5);
        Tensor xz = scalar8(DType.UINT8, 0);
        Tensor wz = scalar8(DType.INT8, 0);
        ExactFloatAccumulation exact = ExactFloatAccumulation.conv(context("ConvInteger", List.of(), x, w, xz, wz), 1, 3);
        assertNotNull(exact);
        assertTrue(exact.exactFor(true, 0), "514 extreme terms are within 2^24");
        Tensor[] both = assertBothPathsAgree("ConvInteger", List.of(), x, List.of(w), List.of(xz, wz), "at the bound");
        assertEquals(-16_776_960, both[0].ints()[0]);
    }

    @Test
    void sumsPastTheBoundFallBackToInt32() {
        // 255 * 128 * 515 = 16,809,600 > 2^24: float would round; the int32 kernels must run instead.
        int k = 515;
        Tensor w = filled(DType.INT8, -128, 3, k, 1);
        Tensor x = filled(DType.UINT8, 255, 2, k, 5);
        Tensor xz = scalar8(DType.UINT8, 0);
        Tensor wz = scalar8(DType.INT8, 0);
        ExactFloatAccumulation exact = ExactFloatAccumulation.conv(context("ConvInteger", List.of(), x, w, xz, wz), 1, 3);
        assertFalse(exact.exactFor(true, 0));
        Tensor[] both = assertBothPathsAgree("ConvInteger", List.of(), x, List.of(w), List.of(xz, wz), "past the bound");
        assertEquals(-16_809_600, both[0].ints()[0]);
        // A zero point in the middle halves max|x - xz|: the same weights are exact again.
        assertTrue(exact.exactFor(true, 128));
    }

    /**
     * Reductions far past the bound (ResNet-18's 3x3x512 layers are): the float path splits them into
     * parts that are each exact for any input and sums the parts in int32.
     */
    @Test
    void wideReductionsRunInPartsAndStayExact() {
        Random r = new Random(17);
        Tensor x = random8(r, DType.UINT8, 0, 255, 2, 300, 5, 4);
        x.bytes()[0] = (byte) 255; // the widest |x - xz| occurs, so the whole reduction cannot run in one piece
        Tensor w = random8(r, DType.INT8, -128, 127, 6, 300, 3, 3);
        Tensor xz = scalar8(DType.UINT8, 0);
        Tensor wz = scalar8(DType.INT8, 0);
        List<Attribute> pads = List.of(Attribute.ofInts("pads", 1, 1, 1, 1));
        ExactFloatAccumulation exact = ExactFloatAccumulation.conv(context("ConvInteger", pads, x, w, xz, wz), 1, 3);
        assertTrue(exact.isSplit(), "300 x 9 taps of |w| ~ 64 against 255 is past 2^24");
        assertTrue(exact.appliesTo(w, wz, true, 0));
        assertBothPathsAgree("ConvInteger", pads, x, List.of(w), List.of(xz, wz), "wide conv");
        // Small actual values make the whole reduction exact again (one piece); the result is the same.
        Tensor small = random8(r, DType.UINT8, 0, 3, 2, 300, 5, 4);
        assertBothPathsAgree("ConvInteger", pads, small, List.of(w), List.of(xz, wz), "wide conv, small inputs");

        Tensor a = random8(r, DType.INT8, -128, 127, 3, 7, 2000);
        Tensor b = random8(r, DType.INT8, -128, 127, 2000, 9);
        assertBothPathsAgree("MatMulInteger", List.of(), a, List.of(b), List.of(scalar8(DType.INT8, 0),
                scalar8(DType.INT8, 0)), "wide matmul");

        List<Tensor> qparams = List.of(Tensor.scalar(0.02f), scalar8(DType.UINT8, 0));
        List<Tensor> wq = List.of(Tensor.scalar(0.01f), scalar8(DType.INT8, 0), Tensor.scalar(400f), scalar8(DType.UINT8, 128),
                Tensor.of(new int[] {100, -2000, 0, 37, 5, 1 << 20}, 6));
        assertQLinearPathsAgree("QLinearConv", pads, x, w, qparams, wq);
    }

    @Test
    void qLinearConvAndMatMulRequantizeTheSameOnBothPaths() {
        Random r = new Random(3);
        Tensor x = random8(r, DType.UINT8, 0, 255, 2, 6, 9, 8);
        Tensor w = random8(r, DType.INT8, -128, 127, 5, 6, 3, 3);
        List<Tensor> qparams = List.of(Tensor.scalar(0.02f), scalar8(DType.UINT8, 121));
        List<Tensor> wq = List.of(Tensor.of(new float[] {0.01f, 0.02f, 0.013f, 0.007f, 0.011f}, 5),
                OrtReferee.vector8(DType.INT8, 0, 0, 0, 0, 0), Tensor.scalar(0.05f), scalar8(DType.UINT8, 128),
                Tensor.of(new int[] {100, -2000, 0, 37, 5}, 5));
        assertQLinearPathsAgree("QLinearConv", List.of(Attribute.ofInts("pads", 1, 1, 1, 1)), x, w, qparams, wq);
        Tensor a = random8(r, DType.INT8, -128, 127, 3, 17, 40);
        Tensor b = random8(r, DType.INT8, -128, 127, 40, 11);
        assertQLinearPathsAgree("QLinearMatMul", List.of(), a, b, List.of(Tensor.scalar(0.03f), scalar8(DType.INT8, -4)),
                List.of(Tensor.scalar(0.01f), scalar8(DType.INT8, 0), Tensor.scalar(0.2f), scalar8(DType.INT8, 3)));
    }

    /** QLinear* with inputs x, x_scale, x_zp, w, then {@code rest}: constant w vs w fed at run time. */
    private static void assertQLinearPathsAgree(String op, List<Attribute> attrs, Tensor x, Tensor w, List<Tensor> xq,
                                                List<Tensor> rest) {
        List<Tensor> others = new ArrayList<>(xq);
        others.add(w);
        others.addAll(rest);
        for (int threads : THREADS) {
            Tensor floatPath = run(op, attrs, x, others, -1, threads);
            Tensor intPath = run(op, attrs, x, others, xq.size(), threads);
            assertArrayEquals(intPath.bytes(), floatPath.bytes(), op + " with " + threads + " threads");
        }
    }

    private static Tensor[] assertBothPathsAgree(String op, List<Attribute> attrs, Tensor x, List<Tensor> weights,
                                                 List<Tensor> zeroPoints, String what) {
        List<Tensor> others = new ArrayList<>(weights);
        // ConvInteger / MatMulInteger: x, w, x_zero_point, w_zero_point.
        others.addAll(zeroPoints);
        Tensor floatPath = null;
        Tensor intPath = null;
        for (int threads : THREADS) {
            floatPath = run(op, attrs, x, others, -1, threads);
            intPath = run(op, attrs, x, others, 0, threads);
            assertArrayEquals(intPath.ints(), floatPath.ints(), what + " with " + threads + " threads");
        }
        return new Tensor[] {floatPath, intPath};
    }

    /**
     * Runs a one-node graph: input 0 is fed; the others are initializers except index {@code fedIndex}
     * of {@code others} (-1: none), which is fed too — a weight fed at run time forces the int32 kernels.
     */
    private static Tensor run(String op, List<Attribute> attrs, Tensor x, List<Tensor> others, int fedIndex, int threads) {
        return OneNodeGraph.run(op, attrs, x, others, fedIndex, threads);
    }

    private static OpContext context(String op, List<Attribute> attrs, Tensor x, Tensor w, Tensor xz, Tensor wz) {
        Graph g = new Graph("t");
        g.setInitializer("w", w);
        g.setInitializer("xz", xz);
        g.setInitializer("wz", wz);
        Node n = new Node(op, "n", new ArrayList<>(List.of("x", "w", "xz", "wz")), new ArrayList<>(List.of("y")));
        attrs.forEach(n::set);
        return new OpContext(n, 13, g);
    }

    private static Tensor perChannelZeroPoints(Random r, DType t, int n) {
        return r.nextBoolean() ? scalar8(t, lo(t) + r.nextInt(256)) : random8(r, t, lo(t), hi(t), n);
    }

    private static Tensor filled(DType t, int v, int... shape) {
        Tensor out = Tensor.zeros(t, shape);
        Arrays.fill(out.bytes(), (byte) v);
        return out;
    }

    private static long[] longs(int[] v) {
        return Arrays.stream(v).asLongStream().toArray();
    }

    private static int lo(DType t) {
        return t == DType.UINT8 ? 0 : -128;
    }

    private static int hi(DType t) {
        return t == DType.UINT8 ? 255 : 127;
    }
}
