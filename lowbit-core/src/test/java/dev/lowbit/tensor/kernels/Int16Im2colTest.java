package dev.lowbit.tensor.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** The direct short-panel im2col against the int im2col packed by Int16Gemm.packRows: identical panels. */
class Int16Im2colTest {
    @Test
    void directPanelsEqualIm2colThenPack() {
        Random r = new Random(23);
        for (int trial = 0; trial < 60; trial++) {
            int channels = 1 + r.nextInt(40);
            int[] in = {1 + r.nextInt(14), 1 + r.nextInt(14)};
            int[] kernel = {1 + r.nextInt(3), 1 + r.nextInt(3)};
            int[] strides = {1 + r.nextInt(2), 1 + r.nextInt(2)};
            int[] dilations = {1 + r.nextInt(2), 1 + r.nextInt(2)};
            int[] pads = {r.nextInt(3), r.nextInt(3), r.nextInt(3), r.nextInt(3)};
            if ((kernel[0] - 1) * dilations[0] + 1 > in[0] + pads[0] + pads[2]
                    || (kernel[1] - 1) * dilations[1] + 1 > in[1] + pads[1] + pads[3]) {
                continue;
            }
            IntConv.Geometry g = IntConv.Geometry.of(in, kernel, strides, dilations, pads, "NOTSET");
            boolean unsigned = r.nextBoolean();
            byte[] x = new byte[3 + channels * g.inSize()];
            r.nextBytes(x);
            int shift = unsigned ? r.nextInt(256) : r.nextInt(256) - 128;
            int pad = r.nextInt(129) - 64;
            int depth = channels * g.kernelSize();
            int[] cols = new int[depth * g.outSize()];
            IntConv.im2col(x, 3, unsigned, shift, pad, channels, g, cols);
            Int16Gemm.Packed expected = Int16Gemm.packRows(cols, 0, depth, g.outSize(), null);
            short[] row = new short[expected.paddedExtent()];
            Int16Gemm.Packed actual = Int16Im2col.pack(x, 3, unsigned, shift, pad, channels, g, null, row);
            assertArrayEquals(expected.data(), actual.data(), "trial " + trial);
            assertEquals(expected.maxAbs(), actual.maxAbs(), "trial " + trial);
            assertEquals(expected.extent(), actual.extent());
            assertEquals(expected.depth(), actual.depth());
        }
    }
}
