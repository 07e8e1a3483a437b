package dev.lowbit.ops;

import static dev.lowbit.ops.OpTesting.run;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.lowbit.UnsupportedOpException;
import dev.lowbit.onnx.Attribute;
import dev.lowbit.tensor.DType;
import dev.lowbit.tensor.Tensor;
import java.util.List;
import org.junit.jupiter.api.Test;

class ElementwiseOpsTest {
    @Test
    void integerDivisionTruncatesLikeC() {
        Tensor y = run("Div", 14, Tensor.of(new int[] {7, -7, 9}, 3), Tensor.of(new int[] {2, 2, -4}, 3));
        assertArrayEquals(new int[] {3, -3, -2}, y.ints());
    }

    @Test
    void modFollowsFmodAttribute() {
        Tensor a = Tensor.of(new long[] {-7, 7}, 2);
        Tensor b = Tensor.of(new long[] {3, -3}, 2);
        assertArrayEquals(new long[] {2, -2}, run("Mod", 13, a, b).longs());
        assertArrayEquals(new long[] {-1, 1}, run("Mod", 13, List.of(Attribute.ofInt("fmod", 1)), a, b).longs());
        Tensor f = run("Mod", 13, List.of(Attribute.ofInt("fmod", 1)), Tensor.of(new float[] {-7.5f}, 1),
                Tensor.of(new float[] {2f}, 1));
        assertArrayEquals(new float[] {-1.5f}, f.floats());
    }

    @Test
    void powMixesBaseAndExponentTypes() {
        Tensor y = run("Pow", 15, Tensor.of(new int[] {4, 9, 2}, 3), Tensor.of(new float[] {0.5f}, 1));
        assertEquals(DType.INT32, y.dtype());
        assertArrayEquals(new int[] {2, 3, 1}, y.ints());
        Tensor z = run("Pow", 15, Tensor.of(new float[] {2f, 3f}, 2), Tensor.of(new long[] {3}, 1));
        assertArrayEquals(new float[] {8f, 27f}, z.floats());
    }

    @Test
    void uint64ComparesUnsigned() {
        Tensor a = Tensor.wrap(DType.UINT64, new int[] {2}, new long[] {-1L, 5});
        Tensor b = Tensor.wrap(DType.UINT64, new int[] {2}, new long[] {1, 6});
        assertArrayEquals(new boolean[] {false, true}, run("Less", 13, a, b).bools());
        assertArrayEquals(new long[] {-1L, 6}, run("Max", 13, a, b).longs());
    }

    @Test
    void whereBroadcastsThreeWays() {
        Tensor cond = Tensor.of(new boolean[] {true, false}, 2, 1);
        Tensor x = Tensor.of(new float[] {1, 2, 3}, 3);
        Tensor y = Tensor.of(new float[] {-1}, new int[0]);
        Tensor out = run("Where", 16, cond, x, y);
        assertArrayEquals(new int[] {2, 3}, out.shape());
        assertArrayEquals(new float[] {1, 2, 3, -1, -1, -1}, out.floats());
    }

    @Test
    void variadicOpsBroadcast() {
        Tensor a = Tensor.of(new float[] {1, 2}, 2);
        Tensor b = Tensor.of(new float[] {10, 20, 30, 40}, 2, 2);
        Tensor c = Tensor.of(new float[] {100}, 1);
        assertArrayEquals(new float[] {111, 122, 131, 142}, run("Sum", 13, a, b, c).floats());
        assertArrayEquals(new float[] {37, 122f / 3, 131f / 3, 142f / 3}, run("Mean", 13, a, b, c).floats(), 1e-4f);
        assertArrayEquals(new float[] {1, 2, 1, 2}, run("Min", 13, a, b, c).floats());
    }

    @Test
    void legacyBroadcastAlignsAtAxis() {
        Tensor a = Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 2, 3);
        Tensor b = Tensor.of(new float[] {10, 20}, 2);
        Tensor y = run("Add", 6, List.of(Attribute.ofInt("broadcast", 1), Attribute.ofInt("axis", 0)), a, b);
        assertArrayEquals(new float[] {11, 12, 13, 24, 25, 26}, y.floats());
    }

    @Test
    void unsupportedTypesAreReported() {
        Tensor s = Tensor.wrap(DType.STRING, new int[] {1}, new String[] {"a"});
        assertThrows(UnsupportedOpException.class, () -> run("Add", 14, s, s));
        Tensor i = Tensor.of(new int[] {1}, 1);
        assertThrows(UnsupportedOpException.class, () -> run("Sqrt", 13, i));
    }

    @Test
    void castHandlesStringsAndRounding() {
        Tensor s = Tensor.wrap(DType.STRING, new int[] {3}, new String[] {"1.5", "-INF", "NaN"});
        float[] f = run("Cast", 13, List.of(Attribute.ofInt("to", DType.FLOAT.onnxCode())), s).floats();
        assertEquals(1.5f, f[0]);
        assertEquals(Float.NEGATIVE_INFINITY, f[1]);
        assertEquals(Float.NaN, f[2]);
        Tensor x = Tensor.of(new float[] {2.9f, -2.9f}, 2);
        assertArrayEquals(new int[] {2, -2}, run("Cast", 13, List.of(Attribute.ofInt("to", DType.INT32.onnxCode())), x).ints());
        assertArrayEquals(new float[] {2f, -2f, 4f}, run("Round", 11, Tensor.of(new float[] {2.5f, -2.5f, 3.5f}, 3)).floats());
    }

    @Test
    void floatsPrintLikeNumpy() {
        Tensor x = Tensor.of(new float[] {1f, 0.47892547f, 1e-5f, 0.0005f, 1e7f, -2.5e20f, 0f}, 7);
        String[] s = run("Cast", 13, List.of(Attribute.ofInt("to", DType.STRING.onnxCode())), x).strings();
        assertArrayEquals(new String[] {"1.0", "0.47892547", "1e-05", "0.0005", "10000000.0", "-2.5e+20", "0.0"}, s);
    }
}
