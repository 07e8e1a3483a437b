package dev.lowbit.ops;

import static dev.lowbit.ops.OrtReferee.random8;
import static dev.lowbit.ops.OrtReferee.randomFloats;
import static dev.lowbit.ops.OrtReferee.scalar8;

import dev.lowbit.tensor.DType;
import dev.lowbit.tensor.Tensor;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * com.microsoft MatMulIntegerToFloat against ONNX Runtime, every output float bit for bit: random
 * shapes (2-D and batched 3-D A, K and N not multiples of the kernels' widths, and shapes wide and
 * deep enough for the int16 and exact-float paths), per-tensor and per-column B scales and zero
 * points, with and without bias, uint8 and int8 B. The scales are random floats, so
 * {@code a_scale * b_scale} and the scaling of each accumulator round: the order of operations
 * (multiply, round, add the bias, round) has to be ORT's.
 */
class MatMulIntegerToFloatOrtTest {
    private static final int[][][] SHAPES = {
        {{4, 9}, {9, 6}},
        {{2, 3, 17}, {17, 5}},
        {{3, 7, 40}, {40, 33}},
        {{2, 64, 384}, {384, 384}},
        {{1, 32, 384}, {384, 1536}},
        {{1, 16, 1536}, {1536, 384}},
    };

    @Test
    void unsignedActivationsMatchOnnxRuntime() {
        Random r = new Random(71);
        for (int[][] s : SHAPES) {
            for (DType bType : new DType[] {DType.INT8, DType.UINT8}) {
                for (boolean perColumn : new boolean[] {false, true}) {
                    for (boolean bias : new boolean[] {false, true}) {
                        check(r, DType.UINT8, bType, s[0], s[1], perColumn, bias);
                    }
                }
            }
        }
    }

    /** int8 A with int8 B: what the QDQ rewrite forms where ORT allows int8 activations (not on x86-64). */
    @Test
    void signedActivationsMatchOnnxRuntime() {
        Random r = new Random(73);
        for (int[][] s : SHAPES) {
            for (boolean perColumn : new boolean[] {false, true}) {
                check(r, DType.INT8, DType.INT8, s[0], s[1], perColumn, perColumn);
            }
        }
    }

    /** An activation of 7 bits (the quantizer's default on x86) gives the int16 GEMM long runs. */
    @Test
    void narrowActivationsTakeTheFastPathsAndMatch() {
        Random r = new Random(72);
        for (int[][] s : SHAPES) {
            Tensor a = random8(r, DType.UINT8, 60, 187, s[0]);
            int n = s[1][1];
            new OrtReferee("com.microsoft", "MatMulIntegerToFloat", 1)
                    .inputs(a, random8(r, DType.INT8, -127, 127, s[1]), scale(r, 1), scale(r, n),
                            scalar8(DType.UINT8, 123), zeroPoints(r, DType.INT8, n, true), randomFloats(r, -2f, 2f, n))
                    .outputs(DType.FLOAT).assertSame();
        }
    }

    private static void check(Random r, DType aType, DType bType, int[] aShape, int[] bShape, boolean perColumn, boolean bias) {
        int n = bShape[1];
        boolean au = aType == DType.UINT8;
        boolean bu = bType == DType.UINT8;
        new OrtReferee("com.microsoft", "MatMulIntegerToFloat", 1)
                .inputs(random8(r, aType, au ? 0 : -128, au ? 255 : 127, aShape),
                        random8(r, bType, bu ? 0 : -128, bu ? 255 : 127, bShape),
                        scale(r, 1), scale(r, perColumn ? n : 1),
                        scalar8(aType, au ? r.nextInt(256) : r.nextInt(256) - 128),
                        zeroPoints(r, bType, perColumn ? n : 1, perColumn),
                        bias ? randomFloats(r, -5f, 5f, n) : null)
                .outputs(DType.FLOAT).assertSame();
    }

    /** Random positive scales over several binades, a scalar when {@code n} is 1. */
    private static Tensor scale(Random r, int n) {
        Tensor t = n == 1 ? Tensor.zeros(DType.FLOAT) : Tensor.zeros(DType.FLOAT, n);
        for (int i = 0; i < n; i++) {
            t.floats()[i] = (float) Math.pow(2, -12 + 8 * r.nextDouble());
        }
        return t;
    }

    private static Tensor zeroPoints(Random r, DType type, int n, boolean vector) {
        Tensor t = vector ? Tensor.zeros(type, n) : Tensor.zeros(type);
        boolean unsigned = type == DType.UINT8;
        for (int i = 0; i < n; i++) {
            t.bytes()[i] = (byte) (unsigned ? r.nextInt(256) : r.nextInt(41) - 20);
        }
        return t;
    }
}
