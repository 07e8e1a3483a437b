package dev.lowbit.ops;

import static dev.lowbit.ops.OrtReferee.randomFloats;
import static dev.lowbit.ops.OrtReferee.scalar8;
import static dev.lowbit.ops.OrtReferee.vector8;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.lowbit.onnx.Attribute;
import dev.lowbit.tensor.DType;
import dev.lowbit.tensor.Tensor;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** QuantizeLinear, DequantizeLinear and DynamicQuantizeLinear against ONNX Runtime, exactly. */
class QuantizeOpsOrtTest {

    /** Values at and around .5 boundaries of x / scale, plus values far beyond saturation. */
    private static Tensor tiesAndExtremes(float scale) {
        float[] v = new float[64];
        int p = 0;
        for (int k = -12; k < 12; k++) {
            v[p++] = (k + 0.5f) * scale;
        }
        for (int k = -10; k < 10; k++) {
            v[p++] = Math.nextUp((k + 0.5f) * scale);
        }
        float[] extremes = {1e6f, -1e6f, 300f * scale, -300f * scale, 127.5f * scale, -128.5f * scale, 255.5f * scale,
            -0.5f * scale, 0f, -0f, Float.MAX_VALUE, -Float.MAX_VALUE, 128.49998f * scale, 254.5f * scale, 1e-30f, -1e-30f,
            Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 3.5f, -3.5f};
        for (float e : extremes) {
            v[p++] = e;
        }
        return Tensor.of(v, 4, 16);
    }

    @Test
    void quantizeUint8PerTensorTiesAndSaturation() {
        for (float scale : new float[] {1f, 0.5f, 0.1f, 0.0039215689f, 3f}) {
            for (int zp : new int[] {0, 128, 255, 7}) {
                new OrtReferee("QuantizeLinear", 13)
                        .inputs(tiesAndExtremes(scale), Tensor.scalar(scale), scalar8(DType.UINT8, zp))
                        .outputs(DType.UINT8).assertSame();
            }
        }
    }

    @Test
    void quantizeInt8PerTensorRandom() {
        Random r = new Random(1);
        for (int trial = 0; trial < 5; trial++) {
            float scale = 0.01f + r.nextFloat();
            int zp = r.nextInt(256) - 128;
            new OrtReferee("QuantizeLinear", 13)
                    .inputs(randomFloats(r, -200f * scale, 200f * scale, 3, 5, 7), Tensor.scalar(scale), scalar8(DType.INT8, zp))
                    .outputs(DType.INT8).assertSame();
            new OrtReferee("QuantizeLinear", 13)
                    .inputs(tiesAndExtremes(scale), Tensor.scalar(scale), scalar8(DType.INT8, zp))
                    .outputs(DType.INT8).assertSame();
        }
    }

    @Test
    void quantizeOpset10DefaultsToUint8WithoutZeroPoint() {
        Random r = new Random(2);
        Tensor[] out = new OrtReferee("QuantizeLinear", 10)
                .inputs(randomFloats(r, -3f, 300f, 2, 33), Tensor.scalar(0.75f))
                .outputs(DType.UINT8).assertSame();
        assertEquals(DType.UINT8, out[0].dtype());
    }

    @Test
    void quantizePerAxis() {
        Random r = new Random(3);
        Tensor x = randomFloats(r, -50f, 50f, 2, 3, 4, 5);
        new OrtReferee("QuantizeLinear", 13).attr(Attribute.ofInt("axis", 1))
                .inputs(x, Tensor.of(new float[] {0.1f, 0.25f, 0.3f}, 3), vector8(DType.UINT8, 0, 128, 250))
                .outputs(DType.UINT8).assertSame();
        new OrtReferee("QuantizeLinear", 13).attr(Attribute.ofInt("axis", -1))
                .inputs(x, Tensor.of(new float[] {0.1f, 0.2f, 0.3f, 0.4f, 0.5f}, 5), vector8(DType.INT8, 0, -3, 5, 100, -128))
                .outputs(DType.INT8).assertSame();
        new OrtReferee("QuantizeLinear", 19).attr(Attribute.ofInt("axis", 0))
                .inputs(x, Tensor.of(new float[] {0.2f, 0.7f}, 2), vector8(DType.INT8, 1, -1))
                .outputs(DType.INT8).assertSame();
    }

    @Test
    void quantizeBlockedOpset21() {
        Random r = new Random(4);
        Tensor x = randomFloats(r, -20f, 20f, 3, 7);
        Tensor scale = randomFloats(r, 0.05f, 0.5f, 3, 4);
        Tensor zp = OrtReferee.random8(r, DType.INT8, -20, 20, 3, 4);
        new OrtReferee("QuantizeLinear", 21).attr(Attribute.ofInt("axis", 1)).attr(Attribute.ofInt("block_size", 2))
                .inputs(x, scale, zp).outputs(DType.INT8).assertSame();
        Tensor scale0 = randomFloats(r, 0.05f, 0.5f, 2, 7);
        Tensor zp0 = OrtReferee.random8(r, DType.UINT8, 100, 150, 2, 7);
        new OrtReferee("QuantizeLinear", 21).attr(Attribute.ofInt("axis", 0)).attr(Attribute.ofInt("block_size", 2))
                .inputs(x, scale0, zp0).outputs(DType.UINT8).assertSame();
    }

    @Test
    void quantizeInt16Opset21() {
        Random r = new Random(5);
        Tensor zp = Tensor.zeros(DType.INT16);
        zp.shorts()[0] = -17;
        new OrtReferee("QuantizeLinear", 21)
                .inputs(randomFloats(r, -5000f, 5000f, 4, 9), Tensor.scalar(0.0625f), zp)
                .outputs(DType.INT16).assertSame();
    }

    @Test
    void quantizeOutputDtypeAttributeAndInt16Dequantize() {
        Random r = new Random(9);
        Tensor[] q = new OrtReferee("QuantizeLinear", 21).attr(Attribute.ofInt("output_dtype", DType.INT8.onnxCode()))
                .inputs(randomFloats(r, -30f, 30f, 3, 10), Tensor.scalar(0.2f))
                .outputs(DType.INT8).assertSame();
        assertEquals(DType.INT8, q[0].dtype());
        Tensor x = Tensor.zeros(DType.INT16, 4, 5);
        for (int i = 0; i < 20; i++) {
            x.shorts()[i] = (short) (r.nextInt(65536) - 32768);
        }
        Tensor zp = Tensor.zeros(DType.INT16, 5);
        for (int i = 0; i < 5; i++) {
            zp.shorts()[i] = (short) (r.nextInt(2000) - 1000);
        }
        new OrtReferee("DequantizeLinear", 21).attr(Attribute.ofInt("axis", 1))
                .inputs(x, randomFloats(r, 1e-4f, 1e-2f, 5), zp).outputs(DType.FLOAT).assertSame();
    }

    @Test
    void dequantizeUint8AndInt8() {
        Random r = new Random(6);
        for (DType t : new DType[] {DType.UINT8, DType.INT8}) {
            Tensor x = OrtReferee.random8(r, t, t == DType.UINT8 ? 0 : -128, t == DType.UINT8 ? 255 : 127, 3, 4, 5);
            new OrtReferee("DequantizeLinear", 13)
                    .inputs(x, Tensor.scalar(0.0371f), scalar8(t, t == DType.UINT8 ? 131 : -9))
                    .outputs(DType.FLOAT).assertSame();
            new OrtReferee("DequantizeLinear", 13).attr(Attribute.ofInt("axis", 1))
                    .inputs(x, Tensor.of(new float[] {0.1f, 0.013f, 1.7f, 3e-5f}, 4), vector8(t, 1, 2, 3, 100))
                    .outputs(DType.FLOAT).assertSame();
            new OrtReferee("DequantizeLinear", 10)
                    .inputs(x, Tensor.scalar(0.5f)).outputs(DType.FLOAT).assertSame();
        }
    }

    @Test
    void dequantizeInt32AndBlocked() {
        Random r = new Random(7);
        int[] v = new int[40];
        for (int i = 0; i < v.length; i++) {
            v[i] = r.nextInt();
        }
        new OrtReferee("DequantizeLinear", 13)
                .inputs(Tensor.of(v, 5, 8), Tensor.scalar(1.3e-4f)).outputs(DType.FLOAT).assertSame();
        Tensor x = OrtReferee.random8(r, DType.INT8, -128, 127, 4, 6);
        new OrtReferee("DequantizeLinear", 21).attr(Attribute.ofInt("axis", 0)).attr(Attribute.ofInt("block_size", 3))
                .inputs(x, randomFloats(r, 0.01f, 1f, 2, 6), OrtReferee.random8(r, DType.INT8, -5, 5, 2, 6))
                .outputs(DType.FLOAT).assertSame();
    }

    @Test
    void dynamicQuantizeLinear() {
        Random r = new Random(8);
        Tensor[] inputs = {
            randomFloats(r, -3f, 7f, 5, 11),
            randomFloats(r, 0.5f, 7f, 30),      // min adjusted to 0
            randomFloats(r, -9f, -0.1f, 2, 8),  // max adjusted to 0
            Tensor.of(new float[] {-1f, 0f, 0.5f, 1.5f, 2.5f, 254f, 255f}, 7),
            randomFloats(r, -1e-3f, 1e-3f, 100),
            Tensor.of(new float[] {0f, 0f, 0f}, 3),
        };
        for (Tensor x : inputs) {
            new OrtReferee("DynamicQuantizeLinear", 11).inputs(x)
                    .outputs(DType.UINT8, DType.FLOAT, DType.UINT8).assertSame();
        }
    }
}
