package dev.lowbit.ops;

import static dev.lowbit.ops.OrtReferee.random8;
import static dev.lowbit.ops.OrtReferee.scalar8;
import static dev.lowbit.ops.OrtReferee.vector8;

import dev.lowbit.onnx.Attribute;
import dev.lowbit.tensor.DType;
import dev.lowbit.tensor.Tensor;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** MatMulInteger and ConvInteger against ONNX Runtime, exactly (see QLinearOpsOrtTest on u8s8 ranges). */
class IntegerOpsOrtTest {

    @Test
    void matMulIntegerTypesZeroPointsAndBroadcast() {
        Random r = new Random(20);
        int[][][] shapes = {{{4, 9}, {9, 6}}, {{2, 3, 5}, {5, 4}}, {{2, 1, 3, 5}, {3, 5, 2}}, {{7}, {7, 3}}, {{2, 7}, {7}}};
        for (int[][] s : shapes) {
            new OrtReferee("MatMulInteger", 10)
                    .inputs(random8(r, DType.UINT8, 0, 255, s[0]), random8(r, DType.UINT8, 0, 255, s[1]),
                            scalar8(DType.UINT8, 12), scalar8(DType.UINT8, 200))
                    .outputs(DType.INT32).assertSame();
            new OrtReferee("MatMulInteger", 10)
                    .inputs(random8(r, DType.UINT8, 0, 255, s[0]), random8(r, DType.INT8, -64, 63, s[1]),
                            scalar8(DType.UINT8, 128), scalar8(DType.INT8, 0))
                    .outputs(DType.INT32).assertSame();
            new OrtReferee("MatMulInteger", 10)
                    .inputs(random8(r, DType.INT8, -128, 127, s[0]), random8(r, DType.INT8, -128, 127, s[1]))
                    .outputs(DType.INT32).assertSame();
        }
    }

    @Test
    void matMulIntegerPerColumnZeroPoint() {
        Random r = new Random(21);
        new OrtReferee("MatMulInteger", 10)
                .inputs(random8(r, DType.UINT8, 0, 255, 3, 4), random8(r, DType.UINT8, 0, 255, 4, 5),
                        scalar8(DType.UINT8, 3), vector8(DType.UINT8, 1, 50, 128, 200, 255))
                .outputs(DType.INT32).assertSame();
    }

    @Test
    void convIntegerPaddingGroupsStrides() {
        Random r = new Random(22);
        new OrtReferee("ConvInteger", 10)
                .inputs(random8(r, DType.UINT8, 0, 255, 2, 3, 6, 5), random8(r, DType.UINT8, 0, 255, 4, 3, 3, 3),
                        scalar8(DType.UINT8, 100), scalar8(DType.UINT8, 130))
                .outputs(DType.INT32).assertSame();
        new OrtReferee("ConvInteger", 10)
                .attr(Attribute.ofInt("group", 2)).attr(Attribute.ofInts("pads", 1, 2, 0, 1))
                .attr(Attribute.ofInts("strides", 2, 1)).attr(Attribute.ofInts("dilations", 1, 2))
                .inputs(random8(r, DType.UINT8, 0, 255, 1, 4, 9, 8), random8(r, DType.UINT8, 0, 255, 6, 2, 2, 3),
                        scalar8(DType.UINT8, 7))
                .outputs(DType.INT32).assertSame();
        new OrtReferee("ConvInteger", 10).attr(Attribute.ofString("auto_pad", "SAME_UPPER"))
                .inputs(random8(r, DType.UINT8, 0, 255, 1, 2, 7, 7), random8(r, DType.UINT8, 0, 255, 3, 2, 2, 2))
                .outputs(DType.INT32).assertSame();
    }

    // ORT 1.23 has no ConvInteger kernel for int8 weights; IntConvTest checks that path against the scalar reference.
}
