package dev.lowbit.ops;

import static dev.lowbit.ops.OrtReferee.random8;
import static dev.lowbit.ops.OrtReferee.scalar8;

import dev.lowbit.onnx.Attribute;
import dev.lowbit.tensor.DType;
import dev.lowbit.tensor.Parallel;
import dev.lowbit.tensor.Tensor;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * com.microsoft QLinearGlobalAveragePool and QLinearAveragePool against ONNX Runtime, every output
 * byte: uint8 and int8, random scales and zero points, odd spatial sizes, 1-D to 3-D, NCHW and
 * channels_last, padding, ceil_mode, auto_pad, count_include_pad, a kernel covering the whole image
 * (ORT's integer global path), and 1, 2 and 3 threads.
 */
class QLinearPoolOpsOrtTest {
    private static final DType[] TYPES = {DType.UINT8, DType.INT8};

    @Test
    void globalAveragePoolMatchesOnnxRuntime() {
        Random r = new Random(51);
        int[][] shapes = {{2, 16, 7, 7}, {1, 3, 5, 9}, {2, 8, 1, 1}, {3, 5, 13}, {1, 4, 3, 3, 3}, {1, 64, 33, 31}, {1, 1, 6, 6}};
        forThreads(() -> {
            for (DType t : TYPES) {
                for (int[] s : shapes) {
                    for (int trial = 0; trial < 3; trial++) {
                        pool(r, "QLinearGlobalAveragePool", t, s, 1f / imageOf(s, false)).assertSame();
                    }
                    int[] nhwc = toNhwc(s);
                    pool(r, "QLinearGlobalAveragePool", t, nhwc, 1f / imageOf(nhwc, true))
                            .attr(Attribute.ofInt("channels_last", 1)).assertSame();
                }
            }
        });
    }

    /**
     * Many outputs for many scales: some land within an ulp of a rounding tie, so every float
     * operation has to be ORT's, in ORT's order (a reordered division or rounding fails this).
     */
    @Test
    void poolsRoundLikeOnnxRuntime() {
        Random r = new Random(52);
        for (DType t : TYPES) {
            for (int trial = 0; trial < 16; trial++) {
                pool(r, "QLinearGlobalAveragePool", t, new int[] {1, 65536, 3, 3}, 1f / 9).assertSame();
                pool(r, "QLinearAveragePool", t, new int[] {1, 64, 34, 34}, 1f).attr(Attribute.ofInts("kernel_shape", 3, 3))
                        .attr(Attribute.ofInts("pads", 1, 0, 0, 1)).assertSame();
            }
        }
    }

    /** Power-of-two scale ratios put results exactly halfway between integers: ORT rounds half to even. */
    @Test
    void exactTiesRoundHalfToEven() {
        Random r = new Random(54);
        for (DType t : TYPES) {
            int lo = t == DType.UINT8 ? 0 : -128;
            Tensor x = random8(r, t, lo, lo + 255, 1, 512, 2, 1);
            for (int zp : new int[] {0, 3, 100}) {
                // y_scale = 2 * x_scale: the mean of two values, halved again: quarters and halves
                new OrtReferee("com.microsoft", "QLinearGlobalAveragePool", 1)
                        .inputs(x, Tensor.scalar(0.5f), scalar8(t, lo + zp), Tensor.scalar(1f), scalar8(t, lo + 7 + zp)).outputs(t).assertSame();
                new OrtReferee("com.microsoft", "QLinearAveragePool", 1).attr(Attribute.ofInts("kernel_shape", 2, 1))
                        .attr(Attribute.ofInts("pads", 1, 0, 0, 0))
                        .inputs(x, Tensor.scalar(0.5f), scalar8(t, lo + zp), Tensor.scalar(1f), scalar8(t, lo + 7 + zp)).outputs(t).assertSame();
            }
        }
    }

    @Test
    void averagePoolMatchesOnnxRuntime() {
        Random r = new Random(53);
        Attribute[][] cases = {
            {Attribute.ofInts("kernel_shape", 3, 3)},
            {Attribute.ofInts("kernel_shape", 3, 3), Attribute.ofInts("strides", 2, 2), Attribute.ofInts("pads", 1, 1, 1, 1)},
            {Attribute.ofInts("kernel_shape", 3, 3), Attribute.ofInts("strides", 2, 2), Attribute.ofInts("pads", 1, 1, 1, 1),
                Attribute.ofInt("count_include_pad", 1)},
            {Attribute.ofInts("kernel_shape", 2, 3), Attribute.ofInts("strides", 2, 2), Attribute.ofInt("ceil_mode", 1)},
            {Attribute.ofInts("kernel_shape", 3, 2), Attribute.ofInts("strides", 2, 3), Attribute.ofInt("ceil_mode", 1),
                Attribute.ofInts("pads", 0, 1, 1, 0), Attribute.ofInt("count_include_pad", 1)},
            {Attribute.ofInts("kernel_shape", 3, 3), Attribute.ofString("auto_pad", "SAME_UPPER"), Attribute.ofInts("strides", 2, 2)},
            {Attribute.ofInts("kernel_shape", 2, 2), Attribute.ofString("auto_pad", "VALID")},
            {Attribute.ofInts("kernel_shape", 7, 9)},
        };
        forThreads(() -> {
            for (DType t : TYPES) {
                for (Attribute[] c : cases) {
                    for (boolean nhwc : new boolean[] {false, true}) {
                        int[] shape = nhwc ? new int[] {2, 7, 9, 5} : new int[] {2, 5, 7, 9};
                        OrtReferee ref = pool(r, "QLinearAveragePool", t, shape, 1f);
                        for (Attribute a : c) {
                            ref.attr(a);
                        }
                        if (nhwc) {
                            ref.attr(Attribute.ofInt("channels_last", 1));
                        }
                        ref.assertSame();
                    }
                }
                pool(r, "QLinearAveragePool", t, new int[] {2, 3, 11}, 1f).attr(Attribute.ofInts("kernel_shape", 4))
                        .attr(Attribute.ofInts("strides", 3)).attr(Attribute.ofInts("pads", 2, 1)).assertSame();
                pool(r, "QLinearAveragePool", t, new int[] {1, 2, 5, 6, 7}, 1f).attr(Attribute.ofInts("kernel_shape", 2, 3, 2))
                        .attr(Attribute.ofInts("pads", 1, 1, 0, 0, 1, 1)).assertSame();
            }
        });
    }

    /**
     * A QDQ node with input (X, X_scale, X_zp, Y_scale, Y_zp); the output scale is the input's times
     * {@code ratio} and a random factor in [1/4, 4), so that results spread over the whole range.
     */
    private static OrtReferee pool(Random r, String op, DType t, int[] shape, float ratio) {
        int lo = t == DType.UINT8 ? 0 : -128;
        float xs = (float) Math.pow(2, -8 + 4 * r.nextDouble());
        float ys = xs * (float) Math.pow(2, -2 + 4 * r.nextDouble()) * (ratio * 16);
        return new OrtReferee("com.microsoft", op, 1)
                .inputs(random8(r, t, lo, lo + 255, shape), Tensor.scalar(xs), scalar8(t, lo + r.nextInt(256)),
                        Tensor.scalar(ys), scalar8(t, lo + r.nextInt(256)))
                .outputs(t);
    }

    private static int imageOf(int[] shape, boolean channelsLast) {
        int n = 1;
        for (int d = channelsLast ? 1 : 2; d < (channelsLast ? shape.length - 1 : shape.length); d++) {
            n *= shape[d];
        }
        return n;
    }

    private static int[] toNhwc(int[] nchw) {
        int[] s = new int[nchw.length];
        s[0] = nchw[0];
        System.arraycopy(nchw, 2, s, 1, nchw.length - 2);
        s[s.length - 1] = nchw[1];
        return s;
    }

    private static void forThreads(Runnable body) {
        int before = Parallel.threads();
        try {
            for (int threads = 1; threads <= 3; threads++) {
                Parallel.setThreads(threads);
                body.run();
            }
        } finally {
            Parallel.setThreads(before);
        }
    }
}
