package dev.lowbit.tensor.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** im2col + IntGemm convolution against the direct scalar definition. */
class IntConvTest {
    private record Case(int batch, int channels, int outChannels, int groups, int[] in, int[] kernel, int[] strides,
                        int[] dilations, int[] pads, String autoPad) {
    }

    @Test
    void im2colConvolutionMatchesReference() {
        Random r = new Random(31);
        Case[] cases = {
            new Case(1, 1, 1, 1, new int[] {5, 5}, new int[] {3, 3}, new int[] {1, 1}, new int[] {1, 1}, null, "NOTSET"),
            new Case(2, 4, 6, 2, new int[] {9, 7}, new int[] {3, 2}, new int[] {2, 1}, new int[] {1, 2}, new int[] {1, 0, 2, 1}, "NOTSET"),
            new Case(1, 8, 8, 8, new int[] {10, 10}, new int[] {3, 3}, new int[] {1, 1}, new int[] {1, 1}, new int[] {1, 1, 1, 1}, "NOTSET"),
            new Case(2, 3, 5, 1, new int[] {20}, new int[] {4}, new int[] {3}, new int[] {2}, new int[] {2, 3}, "NOTSET"),
            new Case(1, 2, 4, 1, new int[] {4, 5, 6}, new int[] {2, 3, 2}, new int[] {1, 2, 1}, new int[] {1, 1, 2}, new int[] {0, 1, 1, 1, 0, 1}, "NOTSET"),
            new Case(1, 3, 2, 1, new int[] {7, 8}, new int[] {2, 3}, new int[] {2, 3}, new int[] {1, 1}, null, "SAME_UPPER"),
            new Case(1, 3, 2, 1, new int[] {7, 8}, new int[] {2, 3}, new int[] {2, 3}, new int[] {1, 1}, null, "SAME_LOWER"),
            new Case(3, 6, 9, 3, new int[] {6, 6}, new int[] {1, 1}, new int[] {1, 1}, new int[] {1, 1}, null, "VALID"),
        };
        for (Case c : cases) {
            for (int variant = 0; variant < 8; variant++) {
                boolean xu = (variant & 1) != 0;
                boolean wu = (variant & 2) != 0;
                boolean perChannel = (variant & 4) != 0;
                IntConv.Geometry g = IntConv.Geometry.of(c.in, c.kernel, c.strides, c.dilations, c.pads, c.autoPad);
                byte[] x = new byte[c.batch * c.channels * g.inSize()];
                byte[] w = new byte[c.outChannels * (c.channels / c.groups) * g.kernelSize()];
                r.nextBytes(x);
                r.nextBytes(w);
                int xz = xu ? r.nextInt(256) : r.nextInt(256) - 128;
                int[] wz = new int[perChannel ? c.outChannels : 1];
                for (int i = 0; i < wz.length; i++) {
                    wz[i] = wu ? r.nextInt(256) : r.nextInt(256) - 128;
                }
                int[] expected = IntConv.convolveReference(x, xu, xz, c.batch, c.channels, w, wu, wz, c.outChannels, c.groups, g);
                int[] actual = IntConv.convolve(x, xu, xz, c.batch, c.channels, w, wu, wz, c.outChannels, c.groups, g);
                assertArrayEquals(expected, actual, c + " variant " + variant);
            }
        }
    }

    @Test
    void random2dGeometriesIncludingPaddingWiderThanKernel() {
        Random r = new Random(32);
        for (int t = 0; t < 300; t++) {
            int[] in = {1 + r.nextInt(9), 1 + r.nextInt(9)};
            int[] kernel = {1 + r.nextInt(3), 1 + r.nextInt(3)};
            int[] strides = {1 + r.nextInt(3), 1 + r.nextInt(3)};
            int[] dil = {1 + r.nextInt(3), 1 + r.nextInt(3)};
            int[] pads = {r.nextInt(5), r.nextInt(5), r.nextInt(5), r.nextInt(5)};
            IntConv.Geometry g;
            try {
                g = IntConv.Geometry.of(in, kernel, strides, dil, pads, "NOTSET");
            } catch (IllegalArgumentException e) {
                continue; // kernel larger than the padded input
            }
            int groups = 1 + r.nextInt(2);
            int channels = groups * (1 + r.nextInt(2));
            int outChannels = groups * (1 + r.nextInt(2));
            byte[] x = new byte[channels * g.inSize()];
            byte[] w = new byte[outChannels * (channels / groups) * g.kernelSize()];
            r.nextBytes(x);
            r.nextBytes(w);
            boolean xu = r.nextBoolean();
            int[] wz = {r.nextInt(100) - 50};
            assertArrayEquals(IntConv.convolveReference(x, xu, 17, 1, channels, w, false, wz, outChannels, groups, g),
                    IntConv.convolve(x, xu, 17, 1, channels, w, false, wz, outChannels, groups, g), "case " + t);
        }
    }

    @Test
    void geometryRejectsEmptyOutput() {
        assertThrows(IllegalArgumentException.class, () -> IntConv.Geometry.of(new int[] {2}, new int[] {3},
                new int[] {1}, new int[] {1}, null, "NOTSET"));
    }
}
