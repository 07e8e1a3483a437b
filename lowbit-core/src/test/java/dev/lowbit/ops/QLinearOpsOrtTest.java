package dev.lowbit.ops;

import static dev.lowbit.ops.OrtReferee.random8;
import static dev.lowbit.ops.OrtReferee.randomFloats;
import static dev.lowbit.ops.OrtReferee.scalar8;
import static dev.lowbit.ops.OrtReferee.vector8;

import dev.lowbit.onnx.Attribute;
import dev.lowbit.tensor.DType;
import dev.lowbit.tensor.Tensor;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * QLinearConv and QLinearMatMul against ONNX Runtime, exactly.
 *
 * <p>Signed 8-bit weights stay within [-64, 63] when activations are unsigned: ORT's x86 u8s8
 * kernels (VPMADDUBSW without VNNI) saturate int16 pair sums beyond that, an ORT artefact that
 * lowbit does not reproduce.
 */
class QLinearOpsOrtTest {
    private static int lo(DType t) {
        return t == DType.UINT8 ? 0 : -128;
    }

    private static int hi(DType t) {
        return t == DType.UINT8 ? 255 : 127;
    }

    private static Tensor weights(Random r, DType x, DType w, int... shape) {
        return w == DType.UINT8 ? random8(r, w, 0, 255, shape)
                : x == DType.UINT8 ? random8(r, w, -64, 63, shape) : random8(r, w, -128, 127, shape);
    }

    private static Tensor bias(Random r, int m) {
        int[] b = new int[m];
        for (int i = 0; i < m; i++) {
            b[i] = r.nextInt(20001) - 10000;
        }
        return Tensor.of(b, m);
    }

    @Test
    void convPerTensorAllTypeCombinations() {
        Random r = new Random(10);
        DType[][] combos = {{DType.UINT8, DType.UINT8}, {DType.UINT8, DType.INT8}, {DType.INT8, DType.INT8}};
        for (DType[] c : combos) {
            DType xt = c[0];
            DType wt = c[1];
            Tensor x = random8(r, xt, lo(xt), hi(xt), 2, 3, 7, 6);
            Tensor w = weights(r, xt, wt, 4, 3, 3, 3);
            int wz = wt == DType.UINT8 ? 120 : 0;
            new OrtReferee("QLinearConv", 13)
                    .attr(Attribute.ofInts("pads", 1, 1, 1, 1))
                    .inputs(x, Tensor.scalar(0.02f), scalar8(xt, xt == DType.UINT8 ? 117 : -3), w, Tensor.scalar(0.011f),
                            scalar8(wt, wz), Tensor.scalar(0.09f), scalar8(xt, xt == DType.UINT8 ? 130 : 5), bias(r, 4))
                    .outputs(xt).assertSame();
        }
    }

    @Test
    void convPerChannelStridesDilationsNoBias() {
        Random r = new Random(11);
        Tensor x = random8(r, DType.UINT8, 0, 255, 1, 4, 11, 9);
        Tensor w = weights(r, DType.UINT8, DType.INT8, 6, 2, 3, 2);
        new OrtReferee("QLinearConv", 10)
                .attr(Attribute.ofInt("group", 2)).attr(Attribute.ofInts("strides", 2, 1))
                .attr(Attribute.ofInts("dilations", 2, 2)).attr(Attribute.ofInts("pads", 1, 0, 2, 1))
                .inputs(x, Tensor.scalar(0.05f), scalar8(DType.UINT8, 100), w,
                        Tensor.of(new float[] {0.01f, 0.02f, 0.005f, 0.04f, 0.013f, 0.021f}, 6), vector8(DType.INT8, 0, 0, 0, 0, 0, 0),
                        Tensor.scalar(0.2f), scalar8(DType.UINT8, 128))
                .outputs(DType.UINT8).assertSame();
    }

    @Test
    void depthwiseConvPerChannelWithBiasAndSaturation() {
        Random r = new Random(12);
        for (DType xt : new DType[] {DType.UINT8, DType.INT8}) {
            Tensor x = random8(r, xt, lo(xt), hi(xt), 2, 8, 10, 10);
            Tensor w = weights(r, xt, DType.INT8, 8, 1, 3, 3);
            Tensor ws = randomFloats(r, 0.001f, 0.05f, 8);
            // A small y_scale pushes many outputs into saturation at both ends.
            for (float ys : new float[] {0.5f, 0.01f}) {
                new OrtReferee("QLinearConv", 13)
                        .attr(Attribute.ofInt("group", 8)).attr(Attribute.ofInts("pads", 1, 1, 1, 1))
                        .inputs(x, Tensor.scalar(0.03f), scalar8(xt, xt == DType.UINT8 ? 128 : 0), w, ws,
                                random8(r, DType.INT8, 0, 0, 8), Tensor.scalar(ys), scalar8(xt, xt == DType.UINT8 ? 128 : 0),
                                bias(r, 8))
                        .outputs(xt).assertSame();
            }
        }
    }

    @Test
    void convAutoPadAnd1dAnd3d() {
        Random r = new Random(13);
        for (String pad : new String[] {"SAME_UPPER", "SAME_LOWER", "VALID"}) {
            Tensor x = random8(r, DType.UINT8, 0, 255, 1, 3, 8, 7);
            Tensor w = random8(r, DType.UINT8, 0, 255, 5, 3, 2, 3);
            new OrtReferee("QLinearConv", 13)
                    .attr(Attribute.ofString("auto_pad", pad)).attr(Attribute.ofInts("strides", 2, 2))
                    .inputs(x, Tensor.scalar(0.02f), scalar8(DType.UINT8, 110), w, Tensor.scalar(0.03f),
                            scalar8(DType.UINT8, 140), Tensor.scalar(0.3f), scalar8(DType.UINT8, 90))
                    .outputs(DType.UINT8).assertSame();
        }
        new OrtReferee("QLinearConv", 13).attr(Attribute.ofInts("pads", 2, 1))
                .inputs(random8(r, DType.UINT8, 0, 255, 2, 3, 20), Tensor.scalar(0.02f), scalar8(DType.UINT8, 110),
                        random8(r, DType.UINT8, 0, 255, 4, 3, 5), Tensor.scalar(0.03f), scalar8(DType.UINT8, 140),
                        Tensor.scalar(0.3f), scalar8(DType.UINT8, 90), bias(r, 4))
                .outputs(DType.UINT8).assertSame();
        new OrtReferee("QLinearConv", 13).attr(Attribute.ofInts("pads", 1, 0, 1, 1, 0, 1))
                .inputs(random8(r, DType.UINT8, 0, 255, 1, 2, 5, 4, 6), Tensor.scalar(0.02f), scalar8(DType.UINT8, 110),
                        random8(r, DType.UINT8, 0, 255, 3, 2, 3, 2, 3), Tensor.scalar(0.03f), scalar8(DType.UINT8, 140),
                        Tensor.scalar(0.3f), scalar8(DType.UINT8, 90))
                .outputs(DType.UINT8).assertSame();
    }

    @Test
    void matMul2dAnd3dBroadcast() {
        Random r = new Random(14);
        DType[][] combos = {{DType.UINT8, DType.UINT8}, {DType.UINT8, DType.INT8}, {DType.INT8, DType.INT8}};
        for (DType[] c : combos) {
            DType at = c[0];
            DType bt = c[1];
            int[][][] shapes = {{{5, 7}, {7, 9}}, {{2, 3, 6}, {6, 4}}, {{2, 3, 6}, {2, 6, 4}}, {{3, 6}, {2, 6, 5}}};
            for (int[][] s : shapes) {
                new OrtReferee("QLinearMatMul", 10)
                        .inputs(random8(r, at, lo(at), hi(at), s[0]), Tensor.scalar(0.04f), scalar8(at, at == DType.UINT8 ? 120 : -7),
                                weights(r, at, bt, s[1]), Tensor.scalar(0.007f), scalar8(bt, bt == DType.UINT8 ? 135 : 0),
                                Tensor.scalar(0.05f), scalar8(at, at == DType.UINT8 ? 128 : 3))
                        .outputs(at).assertSame();
            }
        }
    }

    @Test
    void matMulPerColumnScalesAndZeroPoints() {
        Random r = new Random(15);
        Tensor a = random8(r, DType.UINT8, 0, 255, 4, 8);
        Tensor b = random8(r, DType.UINT8, 0, 255, 8, 5);
        new OrtReferee("QLinearMatMul", 21)
                .inputs(a, Tensor.scalar(0.04f), scalar8(DType.UINT8, 120), b, randomFloats(r, 0.001f, 0.02f, 5),
                        vector8(DType.UINT8, 120, 128, 0, 255, 77), Tensor.scalar(0.05f), scalar8(DType.UINT8, 128))
                .outputs(DType.UINT8).assertSame();
    }

    /** Power-of-two scales make acc * multiplier land exactly on .5 often: ties must round to even. */
    @Test
    void requantizationTiesRoundToEven() {
        Random r = new Random(16);
        for (float ys : new float[] {2f, 64f, 128f}) {
            new OrtReferee("QLinearMatMul", 10)
                    .inputs(random8(r, DType.UINT8, 0, 255, 6, 5), Tensor.scalar(1f), scalar8(DType.UINT8, 128),
                            random8(r, DType.UINT8, 0, 255, 5, 7), Tensor.scalar(1f), scalar8(DType.UINT8, 128),
                            Tensor.scalar(ys), scalar8(DType.UINT8, 128))
                    .outputs(DType.UINT8).assertSame();
            new OrtReferee("QLinearConv", 10).attr(Attribute.ofInts("pads", 1, 1, 1, 1))
                    .inputs(random8(r, DType.UINT8, 0, 255, 1, 2, 6, 6), Tensor.scalar(0.5f), scalar8(DType.UINT8, 128),
                            random8(r, DType.INT8, -64, 63, 3, 2, 3, 3), Tensor.scalar(1f), scalar8(DType.INT8, 0),
                            Tensor.scalar(ys), scalar8(DType.UINT8, 128), bias(r, 3))
                    .outputs(DType.UINT8).assertSame();
        }
    }
}
