package dev.lowbit.ops;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.lowbit.onnx.Attribute;
import dev.lowbit.tensor.Tensor;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Einsum against explicit loops, DFT round trips and known spectra, Det against known values. */
class EinsumSignalOpsTest {
    private static Tensor einsum(String eq, Tensor... in) {
        return OpTesting.run("Einsum", 12, List.of(Attribute.ofString("equation", eq)), in);
    }

    @Test
    void einsumBatchMatmulMatchesLoops() {
        Random rnd = new Random(1);
        float[] a = OpTestSupport.random(rnd, 2 * 3 * 4);
        float[] b = OpTestSupport.random(rnd, 2 * 4 * 5);
        double[] ref = new double[2 * 3 * 5];
        for (int n = 0; n < 2; n++) {
            for (int i = 0; i < 3; i++) {
                for (int k = 0; k < 5; k++) {
                    for (int j = 0; j < 4; j++) {
                        ref[(n * 3 + i) * 5 + k] += a[(n * 3 + i) * 4 + j] * b[(n * 4 + j) * 5 + k];
                    }
                }
            }
        }
        Tensor y = einsum("bij, bjk -> bik", Tensor.of(a, 2, 3, 4), Tensor.of(b, 2, 4, 5));
        assertArrayEquals(new int[] {2, 3, 5}, y.shape());
        assertArrayEquals(ref, OpTestSupport.values(y), 1e-5);
        // implicit output with ellipsis: "...ij,...jk" keeps the batch dims and sorted free labels
        assertArrayEquals(ref, OpTestSupport.values(einsum("...ij,...jk", Tensor.of(a, 2, 3, 4), Tensor.of(b, 2, 4, 5))), 1e-5);
    }

    @Test
    void matmulFastPathMatchesGeneralLoop() {
        Random rnd = new Random(2);
        Tensor q = Tensor.of(OpTestSupport.random(rnd, 2 * 3 * 5 * 8), 2, 3, 5, 8);
        Tensor k = Tensor.of(OpTestSupport.random(rnd, 2 * 3 * 7 * 8), 2, 3, 7, 8);
        Tensor v = Tensor.of(OpTestSupport.random(rnd, 7 * 2 * 3 * 4), 7, 2, 3, 4);
        Tensor[] qk = {q, k};
        String[] equations = {"bhqd,bhkd->bhqk", "bhqd,bhkd->hkbq", "bhqd,bhkd->bhq"};
        for (String eq : equations) {
            EinsumOps.Parsed p = EinsumOps.parse(eq, qk);
            Tensor fast = EinsumMatmul.tryRun(p, qk);
            Tensor slow = EinsumOps.einsum(eq, qk);
            if (eq.endsWith("bhq")) {
                // k appears only in the second operand and is summed there: not a plain matmul
                assertEquals(null, fast, eq);
                continue;
            }
            assertArrayEquals(slow.shape(), fast.shape(), eq);
            assertArrayEquals(OpTestSupport.values(slow), OpTestSupport.values(fast), 1e-4, eq);
        }
        Tensor[] av = {Tensor.of(OpTestSupport.random(rnd, 2 * 3 * 5 * 7), 2, 3, 5, 7), v};
        Tensor fast = EinsumMatmul.tryRun(EinsumOps.parse("bhqk,kbhd->bqhd", av), av);
        assertArrayEquals(OpTestSupport.values(EinsumOps.einsum("bhqk,kbhd->bqhd", av)), OpTestSupport.values(fast), 1e-4);
    }

    @Test
    void einsumDiagonalTraceAndTranspose() {
        Tensor m = Tensor.of(new float[] {1, 2, 3, 4, 5, 6, 7, 8, 9}, 3, 3);
        assertArrayEquals(new float[] {1, 5, 9}, einsum("ii->i", m).floats());
        assertEquals(15f, einsum("ii", m).floats()[0]);
        assertArrayEquals(new float[] {1, 4, 7, 2, 5, 8, 3, 6, 9}, einsum("ij->ji", m).floats());
        assertArrayEquals(new float[] {12, 15, 18}, einsum("ij->j", m).floats());
    }

    @Test
    void dftInverseRoundTripsAndFindsACosine() {
        int n = 12;
        float[] x = new float[n];
        for (int t = 0; t < n; t++) {
            x[t] = (float) Math.cos(2 * Math.PI * 3 * t / n);
        }
        Tensor spec = OpTesting.run("DFT", 17, List.of(Attribute.ofInt("axis", 1)), Tensor.of(x, 1, n, 1));
        double[] s = OpTestSupport.values(spec);
        for (int f = 0; f < n; f++) {
            double expected = f == 3 || f == n - 3 ? n / 2.0 : 0;
            assertEquals(expected, s[2 * f], 1e-4, "re " + f);
            assertEquals(0, s[2 * f + 1], 1e-4, "im " + f);
        }
        Tensor back = OpTesting.run("DFT", 17, List.of(Attribute.ofInt("inverse", 1)), spec);
        double[] r = OpTestSupport.values(back);
        for (int t = 0; t < n; t++) {
            assertEquals(x[t], r[2 * t], 1e-5);
            assertEquals(0, r[2 * t + 1], 1e-5);
        }
        Tensor one = OpTesting.run("DFT", 17, List.of(Attribute.ofInt("onesided", 1)), Tensor.of(x, 1, n, 1));
        assertArrayEquals(new int[] {1, n / 2 + 1, 2}, one.shape());
    }

    @Test
    void determinants() {
        Tensor m = Tensor.of(new float[] {2, 0, 1, 1, 3, 2, 1, 1, 1, 0, 1, 2, 2, 4, 1, 2}, 2, 2, 2, 2);
        // [[2,0],[1,1]] = 2, [[3,2],[1,1]] = 1, [[1,0],[1,2]] = 2, [[2,4],[1,2]] = 0
        assertArrayEquals(new float[] {2, 1, 2, 0}, OpTesting.run("Det", 11, m).floats(), 1e-6f);
        Tensor p = Tensor.of(new float[] {0, 1, 0, 0, 0, 1, 1, 0, 0}, 3, 3); // a cyclic permutation
        assertEquals(1f, OpTesting.run("Det", 11, p).floats()[0], 1e-6f);
    }
}
