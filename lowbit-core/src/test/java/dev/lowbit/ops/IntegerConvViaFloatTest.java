package dev.lowbit.ops;

import static dev.lowbit.ops.OrtReferee.random8;
import static dev.lowbit.ops.OrtReferee.scalar8;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.lowbit.exec.OpContext;
import dev.lowbit.onnx.Attribute;
import dev.lowbit.onnx.Graph;
import dev.lowbit.onnx.Node;
import dev.lowbit.tensor.DType;
import dev.lowbit.tensor.Tensor;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * QLinearConv's float path is taken only while float32 holds every partial sum exactly, and gives
 * the integer kernels' bytes: on inputs just inside the bound (float path) and beyond it (integer
 * fallback), both against ONNX Runtime.
 */
class IntegerConvViaFloatTest {
    @Test
    void floatPathWithinTheBoundIntegerPathBeyondItBothExact() {
        Random r = new Random(71);
        // 128 channels x 3 x 3 taps with weights of +-(56..63): sum|w| about 69000 per filter, so
        // inputs up to 255 (zero point 0) break 2^24 and inputs up to 20 do not. (|w| < 64 keeps
        // clear of the int16 saturation of ORT's u8s8 kernel on CPUs without VNNI.)
        Tensor w = random8(r, DType.INT8, 56, 63, 8, 128, 3, 3);
        for (int i = 0; i < w.size(); i += 2) {
            w.bytes()[i] = (byte) -w.bytes()[i];
        }
        int[] bias = new int[8];
        for (int i = 0; i < 8; i++) {
            bias[i] = r.nextInt(2001) - 1000;
        }
        Tensor b = Tensor.of(bias, 8);
        Tensor small = random8(r, DType.UINT8, 0, 20, 2, 128, 7, 7);
        Tensor large = random8(r, DType.UINT8, 0, 255, 2, 128, 7, 7);
        for (Tensor x : new Tensor[] {small, large}) {
            new OrtReferee("QLinearConv", 13).attr(Attribute.ofInts("pads", 1, 1, 1, 1))
                    .inputs(x, Tensor.scalar(0.02f), scalar8(DType.UINT8, 0), w, Tensor.scalar(0.003f), scalar8(DType.INT8, 0),
                            Tensor.scalar(x == small ? 0.5f : 8f), scalar8(DType.UINT8, 120), b)
                    .outputs(DType.UINT8).assertSame();
        }
        Graph g = new Graph("conv");
        g.setInitializer("w", w);
        g.setInitializer("wz", scalar8(DType.INT8, 0));
        g.setInitializer("b", b);
        Node n = new Node("QLinearConv", "c", List.of("x", "xs", "xz", "w", "ws", "wz", "ys", "yz", "b"), List.of("y"));
        n.set(Attribute.ofInts("pads", 1, 1, 1, 1));
        g.addNode(n);
        IntegerConvViaFloat path = IntegerConvViaFloat.of(new OpContext(n, 13, g));
        float[] mult = new float[8];
        Arrays.fill(mult, 0.02f * 0.003f / 0.5f);
        Tensor yz = scalar8(DType.UINT8, 120);
        assertNotNull(path.run(small, true, 0, w, g.initializer("wz"), b, mult, yz), "inputs up to 20 stay exact in float");
        assertNull(path.run(large, true, 0, w, g.initializer("wz"), b, mult, yz), "inputs up to 255 take the integer kernels");
        assertNull(path.run(small, true, 0, w.copy(), g.initializer("wz"), b, mult, yz), "other weights than the constants");
    }
}
