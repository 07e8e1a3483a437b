package dev.lowbit.ops;

import static dev.lowbit.ops.OrtReferee.random8;
import static dev.lowbit.ops.OrtReferee.scalar8;

import dev.lowbit.tensor.DType;
import dev.lowbit.tensor.Parallel;
import dev.lowbit.tensor.Tensor;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * com.microsoft QLinearAdd and QLinearMul against ONNX Runtime, every output byte: uint8 and int8,
 * random scales (ratios from 1/64 to 64) and zero points, same shapes and every broadcasting case
 * ORT's span loop distinguishes (input 0 or input 1 one value per run, both runs, true scalars),
 * lengths that are not multiples of the vector width, and 1, 2 and 3 threads.
 */
class QLinearBinaryOpsOrtTest {
    private static final int[][][] SHAPES = {
        {{2, 3, 5, 7}, {2, 3, 5, 7}},
        {{2, 16, 7, 9}, {1, 16, 1, 1}},
        {{16, 1, 1}, {2, 16, 7, 9}},
        {{}, {3, 33}},
        {{3, 33}, {}},
        {{1}, {1}},
        {{4, 1, 5}, {1, 3, 1}},
        {{6, 1}, {6, 37}},
        {{37}, {2, 5, 37}},
        {{1, 70}, {1, 1}},
    };

    @Test
    void addMatchesOnnxRuntime() {
        check("QLinearAdd", new Random(41));
    }

    @Test
    void mulMatchesOnnxRuntime() {
        check("QLinearMul", new Random(42));
    }

    /**
     * Every (a, b) pair of byte values, with B one value per row (ORT's scalar-B span) and element by
     * element, for many random scales: values within an ulp of a rounding tie occur, so the order of
     * float operations (where ORT's compiler fused multiply-adds) has to be ORT's.
     */
    @Test
    void addOfEveryPairOfValuesMatchesOnnxRuntime() {
        exhaustive("QLinearAdd", new Random(43));
    }

    @Test
    void mulOfEveryPairOfValuesMatchesOnnxRuntime() {
        exhaustive("QLinearMul", new Random(44));
    }

    private static void exhaustive(String op, Random r) {
        for (DType t : new DType[] {DType.UINT8, DType.INT8}) {
            Tensor rows = Tensor.zeros(t, 256, 256);
            Tensor column = Tensor.zeros(t, 256, 1);
            Tensor columns = Tensor.zeros(t, 256, 256);
            for (int i = 0; i < 256; i++) {
                column.bytes()[i] = (byte) i;
                for (int j = 0; j < 256; j++) {
                    rows.bytes()[i * 256 + j] = (byte) j;
                    columns.bytes()[i * 256 + j] = (byte) i;
                }
            }
            for (int trial = 0; trial < 120; trial++) {
                Tensor[] b = {column, columns};
                OrtReferee ref = referee(op, r, t, new int[] {256, 256}, new int[] {256, 1});
                ref.replaceInput(0, rows).replaceInput(3, b[trial % 2]).assertSame();
                // and with the roles swapped: input 0 is the one broadcast per row
                referee(op, r, t, new int[] {256, 1}, new int[] {256, 256}).replaceInput(0, column).replaceInput(3, rows).assertSame();
            }
        }
    }

    /** Power-of-two scale ratios put results exactly halfway between integers: ORT rounds half to even. */
    @Test
    void exactTiesRoundHalfToEven() {
        Random r = new Random(45);
        for (String op : new String[] {"QLinearAdd", "QLinearMul"}) {
            for (DType t : new DType[] {DType.UINT8, DType.INT8}) {
                int lo = t == DType.UINT8 ? 0 : -128;
                float sc = op.equals("QLinearAdd") ? 2f : 8f;
                new OrtReferee("com.microsoft", op, 1)
                        .inputs(random8(r, t, lo, lo + 255, 64, 64), Tensor.scalar(1f), scalar8(t, lo + 3),
                                random8(r, t, lo, lo + 255, 64, 64), Tensor.scalar(0.5f), scalar8(t, lo + 130),
                                Tensor.scalar(sc), scalar8(t, lo + 128))
                        .outputs(t).assertSame();
            }
        }
    }

    private static void check(String op, Random r) {
        int before = Parallel.threads();
        try {
            for (int threads = 1; threads <= 3; threads++) {
                Parallel.setThreads(threads);
                for (DType t : new DType[] {DType.UINT8, DType.INT8}) {
                    for (int[][] s : SHAPES) {
                        for (int trial = 0; trial < 4; trial++) {
                            referee(op, r, t, s[0], s[1]).assertSame();
                        }
                    }
                }
            }
        } finally {
            Parallel.setThreads(before);
        }
    }

    private static OrtReferee referee(String op, Random r, DType t, int[] shapeA, int[] shapeB) {
        int lo = t == DType.UINT8 ? 0 : -128;
        int hi = t == DType.UINT8 ? 255 : 127;
        float sc = scale(r);
        // Mul's product scale is sA*sB: keep the output scale in proportion so results are not all saturated.
        float sa = scale(r);
        float sb = scale(r);
        if (op.equals("QLinearMul")) {
            sc = sa * sb * (float) Math.pow(2, 4 + r.nextInt(6) + r.nextFloat());
        }
        return new OrtReferee("com.microsoft", op, 1)
                .inputs(random8(r, t, lo, hi, shapeA), Tensor.scalar(sa), scalar8(t, lo + r.nextInt(256)),
                        random8(r, t, lo, hi, shapeB), Tensor.scalar(sb), scalar8(t, lo + r.nextInt(256)),
                        Tensor.scalar(sc), scalar8(t, lo + r.nextInt(256)))
                .outputs(t);
    }

    /** A positive scale between 2^-10 and 2^-4 with random mantissa bits. */
    private static float scale(Random r) {
        return (float) Math.pow(2, -10 + 6 * r.nextDouble());
    }
}
