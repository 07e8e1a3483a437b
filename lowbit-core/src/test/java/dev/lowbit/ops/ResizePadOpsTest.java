package dev.lowbit.ops;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.lowbit.tensor.Tensor;
import dev.lowbit.tensor.kernels.PadKernels;
import dev.lowbit.tensor.kernels.ResizeCoords;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ResizePadOpsTest {
    /** Direct bilinear (half_pixel, edge clamped) on an NCHW tensor, one output at a time. */
    private static float naiveBilinear(float[] x, int h, int w, int plane, double sy, double sx, int oy, int ox) {
        double fy = Math.max(0, Math.min(h - 1, (oy + 0.5) / sy - 0.5));
        double fx = Math.max(0, Math.min(w - 1, (ox + 0.5) / sx - 0.5));
        int y0 = (int) Math.floor(fy), x0 = (int) Math.floor(fx);
        int y1 = Math.min(y0 + 1, h - 1), x1 = Math.min(x0 + 1, w - 1);
        double dy = fy - y0, dx = fx - x0;
        int b = plane * h * w;
        return (float) ((1 - dy) * ((1 - dx) * x[b + y0 * w + x0] + dx * x[b + y0 * w + x1])
                + dy * ((1 - dx) * x[b + y1 * w + x0] + dx * x[b + y1 * w + x1]));
    }

    @Test
    void bilinear4dMatchesDirectFormula() {
        Random rnd = new Random(5);
        int n = 2, c = 3, h = 7, w = 19;
        float[] d = new float[n * c * h * w];
        for (int i = 0; i < d.length; i++) {
            d[i] = rnd.nextFloat() * 10;
        }
        Tensor x = Tensor.of(d, n, c, h, w);
        double[][] scaleSets = {{1, 1, 2, 2}, {1, 1, 0.5, 0.75}, {1, 1, 3.5, 1.3}};
        for (double[] scales : scaleSets) {
            Tensor y = ResizePadOps.run(x, ResizeCoords.Mode.LINEAR, "half_pixel", "round_prefer_floor", -0.75,
                    false, 0, scales, null, null, "stretch", null);
            int oh = y.dim(2), ow = y.dim(3);
            assertEquals((int) Math.floor(h * scales[2]), oh);
            for (int p = 0; p < n * c; p++) {
                for (int oy = 0; oy < oh; oy++) {
                    for (int ox = 0; ox < ow; ox++) {
                        float want = naiveBilinear(d, h, w, p, scales[2], scales[3], oy, ox);
                        assertEquals(want, y.floats()[(p * oh + oy) * ow + ox], 1e-4);
                    }
                }
            }
        }
    }

    @Test
    void nearestUpsampleRepeatsPixels() {
        Tensor x = Tensor.of(new long[] {1, 2, 3, 4}, 1, 1, 2, 2);
        Tensor y = ResizePadOps.run(x, ResizeCoords.Mode.NEAREST, "asymmetric", "floor", -0.75, false, 0,
                new double[] {1, 1, 2, 2}, null, null, "stretch", null);
        assertArrayEquals(new long[] {1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4}, y.longs());
    }

    @Test
    void padModes() {
        Tensor x = Tensor.of(new int[] {1, 2, 3}, 3);
        int[] c = {9};
        assertArrayEquals(new int[] {9, 9, 1, 2, 3, 9}, PadKernels.pad(x, new int[] {2}, new int[] {1},
                PadKernels.Mode.CONSTANT, c).ints());
        assertArrayEquals(new int[] {3, 2, 1, 2, 3, 2, 1}, PadKernels.pad(x, new int[] {2}, new int[] {2},
                PadKernels.Mode.REFLECT, c).ints());
        assertArrayEquals(new int[] {1, 1, 1, 2, 3, 3}, PadKernels.pad(x, new int[] {2}, new int[] {1},
                PadKernels.Mode.EDGE, c).ints());
        assertArrayEquals(new int[] {2, 3, 1, 2, 3, 1}, PadKernels.pad(x, new int[] {2}, new int[] {1},
                PadKernels.Mode.WRAP, c).ints());
        assertArrayEquals(new int[] {2}, PadKernels.pad(x, new int[] {-1}, new int[] {-1},
                PadKernels.Mode.CONSTANT, c).ints());
    }

    @Test
    void pad2dConstantMatchesNaive() {
        Random rnd = new Random(9);
        float[] d = new float[4 * 5];
        for (int i = 0; i < d.length; i++) {
            d[i] = rnd.nextFloat();
        }
        Tensor x = Tensor.of(d, 4, 5);
        Tensor y = PadKernels.pad(x, new int[] {1, 2}, new int[] {3, 0}, PadKernels.Mode.CONSTANT, new float[] {-1});
        assertArrayEquals(new int[] {8, 7}, y.shapeRef());
        for (int i = 0; i < 8; i++) {
            for (int j = 0; j < 7; j++) {
                int si = i - 1, sj = j - 2;
                float want = si >= 0 && si < 4 && sj >= 0 && sj < 5 ? d[si * 5 + sj] : -1;
                assertEquals(want, y.floats()[i * 7 + j]);
            }
        }
    }

    @Test
    void halfPixelSymmetricDownsampleMatchesSpecExample() {
        Tensor x = Tensor.of(new float[] {1, 2, 3, 4}, 1, 1, 1, 4);
        Tensor y = ResizePadOps.run(x, ResizeCoords.Mode.LINEAR, "half_pixel_symmetric", "round_prefer_floor", -0.75,
                false, 0, new double[] {1, 1, 1, 0.6}, null, null, "stretch", null);
        assertArrayEquals(new float[] {1.6666666f, 3.3333333f}, y.floats(), 1e-5f);
    }

    @Test
    void sizesWithAxesAndNotLargerPolicyKeepAspectRatio() {
        Tensor x = Tensor.of(new float[] {1, 2, 3, 4}, 1, 1, 2, 2);
        Tensor y = ResizePadOps.run(x, ResizeCoords.Mode.NEAREST, "half_pixel", "round_prefer_floor", -0.75,
                false, 0, null, new int[] {7, 8}, null, "not_larger", new int[] {2, 3});
        assertArrayEquals(new int[] {1, 1, 7, 7}, y.shapeRef());
        Tensor z = ResizePadOps.run(x, ResizeCoords.Mode.NEAREST, "half_pixel", "round_prefer_floor", -0.75,
                false, 0, null, new int[] {7, 8}, null, "not_smaller", new int[] {2, 3});
        assertArrayEquals(new int[] {1, 1, 8, 8}, z.shapeRef());
    }

    @Test
    void nearestOnBytesMatchesNearestOnFloats() {
        Random rnd = new Random(21);
        int n = 1, c = 3, h = 5, w = 6;
        Tensor xb = Tensor.zeros(dev.lowbit.tensor.DType.UINT8, n, c, h, w);
        float[] f = new float[xb.size()];
        for (int i = 0; i < f.length; i++) {
            xb.bytes()[i] = (byte) rnd.nextInt(256);
            f[i] = xb.getLong(i);
        }
        double[] scales = {1, 1, 1.7, 0.6};
        Tensor yb = ResizePadOps.run(xb, ResizeCoords.Mode.NEAREST, "half_pixel", "round_prefer_ceil", -0.75, false, 0,
                scales, null, null, "stretch", null);
        Tensor yf = ResizePadOps.run(Tensor.of(f, n, c, h, w), ResizeCoords.Mode.NEAREST, "half_pixel",
                "round_prefer_ceil", -0.75, false, 0, scales, null, null, "stretch", null);
        assertArrayEquals(yf.shapeRef(), yb.shapeRef());
        for (int i = 0; i < yb.size(); i++) {
            assertEquals(yf.floats()[i], (float) yb.getLong(i));
        }
    }
}
