package dev.lowbit.ops;

import static dev.lowbit.ops.OrtReferee.random8;
import static dev.lowbit.ops.OrtReferee.scalar8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.lowbit.exec.OpContext;
import dev.lowbit.onnx.Attribute;
import dev.lowbit.onnx.Graph;
import dev.lowbit.onnx.Node;
import dev.lowbit.tensor.DType;
import dev.lowbit.tensor.Parallel;
import dev.lowbit.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * QLinearConv and ConvInteger through the registry: with Winograd forced on, the output bytes (and
 * int32 accumulators) equal those of the int32 kernels (the weight fed at run time), for odd maps,
 * padding, per-channel scales and zero points, bias, and 1, 2 and 3 threads.
 */
class ConvWinogradTest {
    private static final int[] THREADS = {1, 2, 3};

    @Test
    void qLinearConvWithWinogradEqualsTheInt32Path() {
        Random r = new Random(5);
        for (int trial = 0; trial < 6; trial++) {
            int cin = 1 + r.nextInt(40);
            int cout = 1 + r.nextInt(40);
            int h = 1 + r.nextInt(15);
            int w = 1 + r.nextInt(15);
            Tensor x = random8(r, DType.UINT8, 0, 255, 1 + r.nextInt(3), cin, h, w);
            Tensor wt = random8(r, DType.INT8, -40, 40, cout, cin, 3, 3);
            float[] ws = new float[cout];
            int[] bias = new int[cout];
            for (int c = 0; c < cout; c++) {
                ws[c] = 0.002f + r.nextFloat() * 0.01f;
                bias[c] = r.nextInt(4001) - 2000;
            }
            List<Tensor> others = List.of(Tensor.scalar(0.02f), scalar8(DType.UINT8, r.nextInt(256)), wt, Tensor.of(ws, cout),
                    scalar8(DType.INT8, 0), Tensor.scalar(0.05f + r.nextFloat()), scalar8(DType.UINT8, 128),
                    Tensor.of(bias, cout));
            List<Attribute> attrs = List.of(Attribute.ofInts("pads", 1, 1, 1, 1));
            for (int threads : THREADS) {
                Tensor wino = runWith(ConvWinograd.Mode.ALWAYS, "QLinearConv", attrs, x, others, -1, threads);
                Tensor int32 = runWith(ConvWinograd.Mode.ALWAYS, "QLinearConv", attrs, x, others, 2, threads);
                assertArrayEquals(int32.bytes(), wino.bytes(), "trial " + trial + " with " + threads + " threads");
            }
        }
    }

    /**
     * ResNet-18's widest layers: 320 input channels of weights over the whole int8 range against full
     * u8 inputs are past the float sums' 2^24 bound as a whole, so Winograd returns int32
     * accumulators (chunks added in int); the output bytes still equal the int32 kernels'.
     */
    @Test
    void wideQLinearConvTakesWinogradsInt32Way() {
        Random r = new Random(17);
        int cin = 320;
        int cout = 24;
        Tensor x = random8(r, DType.UINT8, 0, 255, 2, cin, 5, 6);
        Tensor wt = random8(r, DType.INT8, -127, 127, cout, cin, 3, 3);
        float[] ws = new float[cout];
        int[] bias = new int[cout];
        for (int c = 0; c < cout; c++) {
            ws[c] = 0.0005f + r.nextFloat() * 0.001f;
            bias[c] = r.nextInt(40001) - 20000;
        }
        List<Tensor> others = List.of(Tensor.scalar(0.02f), scalar8(DType.UINT8, 3), wt, Tensor.of(ws, cout),
                scalar8(DType.INT8, 0), Tensor.scalar(2f), scalar8(DType.UINT8, 128), Tensor.of(bias, cout));
        List<Attribute> attrs = List.of(Attribute.ofInts("pads", 1, 1, 1, 1));
        for (int threads : THREADS) {
            Tensor wino = runWith(ConvWinograd.Mode.ALWAYS, "QLinearConv", attrs, x, others, -1, threads);
            Tensor int32 = runWith(ConvWinograd.Mode.ALWAYS, "QLinearConv", attrs, x, others, 2, threads);
            assertArrayEquals(int32.bytes(), wino.bytes(), "with " + threads + " threads");
        }
        Graph g = new Graph("t");
        g.setInitializer("w", wt);
        Node n = new Node("QLinearConv", "n", new ArrayList<>(List.of("x", "xs", "xz", "w")), new ArrayList<>(List.of("y")));
        attrs.forEach(n::set);
        ConvWinograd wino = ConvWinograd.of(new OpContext(n, 13, g), wt, new int[] {0});
        ConvWinograd.Mode before = ConvWinograd.mode;
        try {
            ConvWinograd.mode = ConvWinograd.Mode.ALWAYS;
            assertEquals(DType.INT32, wino.accumulate(x, true, 3, true).dtype(), "the int32 way ran");
        } finally {
            ConvWinograd.mode = before;
        }
    }

    @Test
    void convIntegerWithWinogradEqualsTheInt32PathAndActuallyRunsIt() {
        Random r = new Random(9);
        Tensor x = random8(r, DType.INT8, -128, 127, 2, 24, 9, 12);
        Tensor w = random8(r, DType.UINT8, 100, 156, 20, 24, 3, 3);
        Tensor xz = scalar8(DType.INT8, -3);
        Tensor wz = random8(r, DType.UINT8, 126, 130, 20);
        List<Attribute> attrs = List.of(Attribute.ofInts("pads", 0, 1, 1, 0));
        List<Tensor> others = List.of(w, xz, wz);
        for (int threads : THREADS) {
            Tensor wino = runWith(ConvWinograd.Mode.ALWAYS, "ConvInteger", attrs, x, others, -1, threads);
            Tensor int32 = runWith(ConvWinograd.Mode.ALWAYS, "ConvInteger", attrs, x, others, 0, threads);
            assertArrayEquals(int32.ints(), wino.ints(), "ConvInteger with " + threads + " threads");
        }
        Graph g = new Graph("t");
        g.setInitializer("w", w);
        Node n = new Node("ConvInteger", "n", new ArrayList<>(List.of("x", "w")), new ArrayList<>(List.of("y")));
        attrs.forEach(n::set);
        ConvWinograd wino = ConvWinograd.of(new OpContext(n, 13, g), w, QuantTensors.zeroPoints8(wz, true, "wz"));
        ConvWinograd.Mode before = ConvWinograd.mode;
        try {
            ConvWinograd.mode = ConvWinograd.Mode.ALWAYS;
            assertNotNull(wino.accumulate(x, false, -3, true), "the Winograd path runs for this geometry");
            ConvWinograd.mode = ConvWinograd.Mode.NEVER;
            assertNull(wino.accumulate(x, false, -3, true));
        } finally {
            ConvWinograd.mode = before;
        }
        n.set(Attribute.ofInts("strides", 2, 2));
        assertNull(ConvWinograd.of(new OpContext(n, 13, g), w, new int[] {128}), "stride 2 does not fit");
    }

    private static Tensor runWith(ConvWinograd.Mode mode, String op, List<Attribute> attrs, Tensor x, List<Tensor> others,
            int fedIndex, int threads) {
        ConvWinograd.Mode before = ConvWinograd.mode;
        int threadsBefore = Parallel.threads();
        ConvWinograd.mode = mode;
        FastestWay.policy = FastestWay.Policy.FIRST; // the mode decides, not a measurement
        Parallel.setThreads(threads);
        try {
            return run(op, attrs, x, others, fedIndex);
        } finally {
            ConvWinograd.mode = before;
            FastestWay.policy = FastestWay.Policy.MEASURE;
            Parallel.setThreads(threadsBefore);
        }
    }

    /** A one-node graph: x and others[fedIndex] are fed (a fed weight forces the int32 kernels), the rest initializers. */
    private static Tensor run(String op, List<Attribute> attrs, Tensor x, List<Tensor> others, int fedIndex) {
        return OneNodeGraph.run(op, attrs, x, others, fedIndex);
    }
}
