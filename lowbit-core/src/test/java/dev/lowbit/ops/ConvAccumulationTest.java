package dev.lowbit.ops;

import static dev.lowbit.ops.OrtReferee.random8;
import static dev.lowbit.ops.OrtReferee.scalar8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lowbit.onnx.Attribute;
import dev.lowbit.tensor.DType;
import dev.lowbit.tensor.Parallel;
import dev.lowbit.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * A 7-bit QLinearConv and ConvInteger that all three exact ways accept (int16 runs, Winograd, the
 * float kernels), run by one executor while {@link FastestWay} takes turns through them:
 * every call's output equals the int32 reference kernels' (the weight fed at run time), with 1 and
 * 2 threads.
 */
class ConvAccumulationTest {
    private static final int CALLS = 3 * FastestWay.TRIALS + 4;

    @Test
    void everyWayAndTheChosenOneGiveTheReferenceBytes() {
        Random r = new Random(17);
        int cin = 48;
        int cout = 40;
        List<Tensor> xs = new ArrayList<>();
        for (int i = 0; i < CALLS; i++) {
            xs.add(random8(r, DType.UINT8, 0, 127, 2, cin, 9, 11)); // a ReLU's 7-bit range: int16 runs of 8
        }
        Tensor wt = random8(r, DType.INT8, -63, 63, cout, cin, 3, 3);
        float[] ws = new float[cout];
        int[] bias = new int[cout];
        for (int c = 0; c < cout; c++) {
            ws[c] = 0.002f + r.nextFloat() * 0.01f;
            bias[c] = r.nextInt(4001) - 2000;
        }
        List<Tensor> others = List.of(Tensor.scalar(0.02f), scalar8(DType.UINT8, 0), wt, Tensor.of(ws, cout),
                scalar8(DType.INT8, 0), Tensor.scalar(0.5f), scalar8(DType.UINT8, 3), Tensor.of(bias, cout));
        List<Attribute> attrs = List.of(Attribute.ofInts("pads", 1, 1, 1, 1));
        List<Tensor> convIntegerOthers = List.of(wt, scalar8(DType.UINT8, 0), scalar8(DType.INT8, 0));
        for (int threads = 1; threads <= 2; threads++) {
            List<Tensor> fast = runEach("QLinearConv", attrs, xs, others, -1, threads);
            List<Tensor> reference = runEach("QLinearConv", attrs, xs, others, 2, threads);
            List<Tensor> fastAcc = runEach("ConvInteger", attrs, xs, convIntegerOthers, -1, threads);
            List<Tensor> referenceAcc = runEach("ConvInteger", attrs, xs, convIntegerOthers, 0, threads);
            for (int i = 0; i < CALLS; i++) {
                assertArrayEquals(reference.get(i).bytes(), fast.get(i).bytes(), "QLinearConv call " + i);
                assertArrayEquals(referenceAcc.get(i).ints(), fastAcc.get(i).ints(), "ConvInteger call " + i);
            }
        }
    }

    /** The same for QLinearMatMul and MatMulInteger with a 7-bit A [2, 24, 96] and B [96, 80]: int16 runs and float. */
    @Test
    void matMulWaysGiveTheReferenceBytes() {
        Random r = new Random(19);
        List<Tensor> as = new ArrayList<>();
        for (int i = 0; i < CALLS; i++) {
            as.add(random8(r, DType.UINT8, 0, 127, 2, 24, 96));
        }
        Tensor b = random8(r, DType.INT8, -63, 63, 96, 80);
        List<Tensor> qOthers = List.of(Tensor.scalar(0.02f), scalar8(DType.UINT8, 0), b, Tensor.scalar(0.01f),
                scalar8(DType.INT8, 0), Tensor.scalar(0.7f), scalar8(DType.UINT8, 5));
        List<Tensor> iOthers = List.of(b, scalar8(DType.UINT8, 0), scalar8(DType.INT8, 0));
        for (int threads = 1; threads <= 2; threads++) {
            List<Tensor> fast = runEach("QLinearMatMul", List.of(), as, qOthers, -1, threads);
            List<Tensor> reference = runEach("QLinearMatMul", List.of(), as, qOthers, 2, threads);
            List<Tensor> fastAcc = runEach("MatMulInteger", List.of(), as, iOthers, -1, threads);
            List<Tensor> referenceAcc = runEach("MatMulInteger", List.of(), as, iOthers, 0, threads);
            for (int i = 0; i < CALLS; i++) {
                assertArrayEquals(reference.get(i).bytes(), fast.get(i).bytes(), "QLinearMatMul call " + i);
                assertArrayEquals(referenceAcc.get(i).ints(), fastAcc.get(i).ints(), "MatMulInteger call " + i);
            }
        }
    }

    /**
     * Products of two activations (B fed at run time, as attention's): both operands shifted to
     * floats when K * max|a - az| * max|b - bz| <= 2^24, else the int32 kernels; both equal the
     * int32 reference, for u8/s8 and zero points inside and outside the data, below and above the bound.
     */
    @Test
    void activationTimesActivationEqualsTheReference() {
        Random r = new Random(23);
        int[] ways = new int[2];
        for (int trial = 0; trial < 12; trial++) {
            int k = trial < 6 ? 32 + r.nextInt(100) : 400 + r.nextInt(200); // larger K: past the bound
            boolean au = r.nextBoolean();
            boolean bu = r.nextBoolean();
            Tensor a = random8(r, au ? DType.UINT8 : DType.INT8, au ? 0 : -128, au ? 255 : 127, 3, 5, k);
            Tensor b = random8(r, bu ? DType.UINT8 : DType.INT8, bu ? 0 : -128, bu ? 255 : 127, 3, k, 7);
            int az = (au ? 0 : -128) + r.nextInt(256);
            int bz = (bu ? 0 : -128) + r.nextInt(256);
            int[] expected = IntegerOps.matmul(a, au, new int[] {az}, b, bu, new int[] {bz}, null).acc();
            Tensor got = MatMulAccumulation.bothShifted(a, au, az, b, bu, bz);
            long maxA = 0;
            long maxB = 0;
            for (int i = 0; i < a.size(); i++) {
                maxA = Math.max(maxA, Math.abs((au ? a.bytes()[i] & 0xFF : a.bytes()[i]) - az));
            }
            for (int i = 0; i < b.size(); i++) {
                maxB = Math.max(maxB, Math.abs((bu ? b.bytes()[i] & 0xFF : b.bytes()[i]) - bz));
            }
            boolean fits = (double) k * maxA * maxB <= ExactFloatAccumulation.EXACT_LIMIT;
            assertEquals(fits, got != null, "trial " + trial + " k " + k);
            ways[fits ? 0 : 1]++;
            if (got != null) {
                assertArrayEquals(expected, ExactFloatAccumulation.toInts(got), "trial " + trial);
            }
            List<Tensor> others = List.of(b, scalar8(a.dtype(), az), scalar8(b.dtype(), bz));
            Tensor viaOp = OneNodeGraph.run("MatMulInteger", List.of(), a, others, 0);
            assertArrayEquals(expected, viaOp.ints(), "MatMulInteger with a fed B, trial " + trial);
        }
        assertTrue(ways[0] > 0 && ways[1] > 0, "both within and past the bound: " + ways[0] + ", " + ways[1]);
    }

    private static List<Tensor> runEach(String op, List<Attribute> attrs, List<Tensor> xs, List<Tensor> others,
            int fedIndex, int threads) {
        int before = Parallel.threads();
        Parallel.setThreads(threads);
        try {
            return OneNodeGraph.runEach(op, attrs, xs, others, fedIndex);
        } finally {
            Parallel.setThreads(before);
        }
    }
}
