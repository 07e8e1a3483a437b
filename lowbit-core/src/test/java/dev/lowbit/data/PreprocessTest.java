package dev.lowbit.data;

import dev.lowbit.LowbitException;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class PreprocessTest {
    private static Preprocess.Image randomImage(int h, int w, int c, long seed) {
        Random r = new Random(seed);
        float[] px = new float[h * w * c];
        for (int i = 0; i < px.length; i++) {
            px[i] = r.nextInt(256);
        }
        return new Preprocess.Image(h, w, c, px);
    }

    @Test
    void normalisationOrderAndLayout() {
        Preprocess.Image img = randomImage(4, 5, 3, 1);
        float[] mean = {0.4f, 0.5f, 0.6f};
        float[] std = {0.2f, 0.25f, 0.3f};
        Preprocess nchw = Preprocess.defaults().withNormalization(mean, std);
        float[] a = new float[60];
        nchw.apply(img, a, 0);
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < 4; y++) {
                for (int x = 0; x < 5; x++) {
                    float expected = (img.pixels()[(y * 5 + x) * 3 + c] * (1f / 255) - mean[c]) * (1f / std[c]);
                    assertEquals(expected, a[(c * 4 + y) * 5 + x], 1e-6f);
                }
            }
        }
        float[] b = new float[60];
        nchw.withLayout(Preprocess.Layout.NHWC).withOrder(Preprocess.ChannelOrder.BGR).apply(img, b, 0);
        for (int c = 0; c < 3; c++) {
            for (int i = 0; i < 20; i++) {
                assertEquals(a[c * 20 + i], b[i * 3 + (2 - c)], 0f);
            }
        }
        assertArrayEquals(new int[] {3, 4, 5}, nchw.sampleShape(4, 5, 3));
        assertArrayEquals(new int[] {4, 5, 3}, nchw.withLayout(Preprocess.Layout.NHWC).sampleShape(4, 5, 3));
    }

    @Test
    void channelConversion() {
        Preprocess.Image grey = new Preprocess.Image(1, 2, 1, new float[] {0, 255});
        float[] out = new float[6];
        Preprocess.defaults().withChannels(3).apply(grey, out, 0);
        assertArrayEquals(new float[] {0, 1, 0, 1, 0, 1}, out, 0f);
        Preprocess.Image rgb = new Preprocess.Image(1, 1, 3, new float[] {100, 200, 50});
        float[] one = new float[1];
        Preprocess.defaults().withChannels(1).withScale(1).apply(rgb, one, 0);
        assertEquals(0.299f * 100 + 0.587f * 200 + 0.114f * 50, one[0], 1e-4f);
    }

    @Test
    void resizeAndCentreCrop() {
        // a 2x2 image upsampled to 4x4 with half-pixel centres: rows 0.25-weighted neighbours
        Preprocess.Image img = new Preprocess.Image(2, 2, 1, new float[] {0, 4, 8, 12});
        Preprocess.Image up = Preprocess.resizeBilinear(img, 4, 4);
        assertArrayEquals(new float[] {0, 1, 3, 4, 2, 3, 5, 6, 6, 7, 9, 10, 8, 9, 11, 12}, up.pixels(), 1e-5f);
        // resize shorter side of 6x9 to 4 -> 4x6, then crop 2x2 from the centre
        Preprocess.Image constant = new Preprocess.Image(6, 9, 1, new float[54]);
        java.util.Arrays.fill(constant.pixels(), 51);
        Preprocess p = Preprocess.defaults().withResize(4, 2, 2);
        assertArrayEquals(new int[] {1, 2, 2}, p.sampleShape(6, 9, 1));
        float[] out = new float[4];
        p.apply(constant, out, 0);
        assertArrayEquals(new float[] {0.2f, 0.2f, 0.2f, 0.2f}, out, 1e-6f);
        // crop without resize picks the middle
        Preprocess.Image ramp = new Preprocess.Image(3, 3, 1, new float[] {0, 1, 2, 3, 4, 5, 6, 7, 8});
        float[] mid = new float[1];
        Preprocess.defaults().withScale(1).withResize(0, 1, 1).apply(ramp, mid, 0);
        assertEquals(4f, mid[0]);
        assertThrows(LowbitException.class,
                () -> Preprocess.defaults().withResize(0, 5, 5).apply(ramp, new float[25], 0));
    }
}
