package dev.lowbit.ops;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.lowbit.exec.Op;
import dev.lowbit.exec.OpContext;
import dev.lowbit.exec.OpRegistry;
import dev.lowbit.onnx.Attribute;
import dev.lowbit.onnx.Graph;
import dev.lowbit.onnx.Node;
import dev.lowbit.tensor.DType;
import dev.lowbit.tensor.Tensor;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** MatMul broadcasting/1-D rules and Gemm attributes against direct loops. */
class MatMulOpsTest {
    private static Tensor random(Random rnd, int... shape) {
        Tensor t = Tensor.zeros(DType.FLOAT, shape);
        for (int i = 0; i < t.size(); i++) {
            t.floats()[i] = rnd.nextFloat() * 2 - 1;
        }
        return t;
    }

    private static Op op(String type, Tensor constB, Attribute... attrs) {
        Node n = new Node(type, "n", List.of("a", "b", "c"), List.of("y"));
        for (Attribute a : attrs) {
            n.set(a);
        }
        Graph g = new Graph("g");
        if (constB != null) {
            g.setInitializer("b", constB);
        }
        return OpRegistry.standard().create(new OpContext(n, 17, g));
    }

    @Test
    void matMulBroadcastsBatchesAndHandlesVectors() {
        Random rnd = new Random(1);
        int[][][] cases = {
            {{3, 4}, {4, 5}, {3, 5}},
            {{2, 1, 3, 4}, {3, 4, 6}, {2, 3, 3, 6}},
            {{2, 3, 4}, {4, 7}, {2, 3, 7}},
            {{3, 4}, {2, 4, 5}, {2, 3, 5}},
            {{4}, {4, 5}, {5}},
            {{2, 3, 4}, {4}, {2, 3}},
            {{4}, {4}, {}},
            {{5, 1, 40, 33}, {1, 2, 33, 70}, {5, 2, 40, 70}},
        };
        for (int[][] cs : cases) {
            Tensor a = random(rnd, cs[0]), b = random(rnd, cs[1]);
            for (Tensor constB : new Tensor[] {null, b}) {
                Tensor y = op("MatMul", constB).run(new Tensor[] {a, b})[0];
                assertArrayEquals(cs[2], y.shapeRef());
                float[] expected = referenceMatMul(a, b, y.size());
                for (int i = 0; i < expected.length; i++) {
                    assertEquals(expected[i], y.floats()[i], 1e-4f);
                }
            }
        }
    }

    /** Direct numpy matmul via explicit index arithmetic. */
    private static float[] referenceMatMul(Tensor a, Tensor b, int outSize) {
        int[] as = a.rank() == 1 ? new int[] {1, a.dim(0)} : a.shapeRef();
        int[] bs = b.rank() == 1 ? new int[] {b.dim(0), 1} : b.shapeRef();
        int m = as[as.length - 2], k = as[as.length - 1], n = bs[bs.length - 1];
        int rank = Math.max(as.length, bs.length);
        int[] batch = new int[rank - 2];
        for (int d = 0; d < rank - 2; d++) {
            int da = d - (rank - as.length) >= 0 ? as[d - (rank - as.length)] : 1;
            int db = d - (rank - bs.length) >= 0 ? bs[d - (rank - bs.length)] : 1;
            batch[d] = Math.max(da, db);
        }
        float[] out = new float[outSize];
        int batches = outSize / (m * n);
        for (int t = 0; t < batches; t++) {
            int aIdx = 0, bIdx = 0, rem = t, aMul = 1, bMul = 1;
            for (int d = rank - 3; d >= 0; d--) {
                int i = rem % batch[d];
                rem /= batch[d];
                int da = d - (rank - as.length) >= 0 ? as[d - (rank - as.length)] : 1;
                int db = d - (rank - bs.length) >= 0 ? bs[d - (rank - bs.length)] : 1;
                aIdx += (da == 1 ? 0 : i) * aMul;
                bIdx += (db == 1 ? 0 : i) * bMul;
                aMul *= da;
                bMul *= db;
            }
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    double acc = 0;
                    for (int p = 0; p < k; p++) {
                        acc += (double) a.floats()[aIdx * m * k + i * k + p] * b.floats()[bIdx * k * n + p * n + j];
                    }
                    out[t * m * n + i * n + j] = (float) acc;
                }
            }
        }
        return out;
    }

    @Test
    void gemmAttributesAndBroadcastC() {
        Random rnd = new Random(2);
        int m = 13, n = 37, k = 29;
        for (int variant = 0; variant < 8; variant++) {
            boolean ta = (variant & 1) != 0, tb = (variant & 2) != 0;
            Tensor a = ta ? random(rnd, k, m) : random(rnd, m, k);
            Tensor b = tb ? random(rnd, n, k) : random(rnd, k, n);
            Tensor c = switch (variant % 4) {
                case 0 -> random(rnd, n);
                case 1 -> random(rnd, m, 1);
                case 2 -> random(rnd, m, n);
                default -> null;
            };
            float alpha = 0.5f + variant, beta = -0.25f * variant;
            Op gemm = op("Gemm", variant >= 4 ? b : null, Attribute.ofInt("transA", ta ? 1 : 0),
                    Attribute.ofInt("transB", tb ? 1 : 0), Attribute.ofFloat("alpha", alpha),
                    Attribute.ofFloat("beta", beta));
            Tensor y = gemm.run(new Tensor[] {a, b, c})[0];
            assertArrayEquals(new int[] {m, n}, y.shapeRef());
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    double acc = 0;
                    for (int p = 0; p < k; p++) {
                        acc += (double) a.floats()[ta ? p * m + i : i * k + p] * b.floats()[tb ? j * k + p : p * n + j];
                    }
                    double cv = c == null ? 0 : c.rank() == 1 ? c.floats()[j]
                            : c.dim(1) == 1 ? c.floats()[i] : c.floats()[i * n + j];
                    assertEquals(alpha * acc + beta * cv, y.floats()[i * n + j], 1e-4);
                }
            }
        }
    }
}
