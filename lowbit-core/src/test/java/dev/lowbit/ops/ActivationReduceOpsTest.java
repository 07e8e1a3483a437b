package dev.lowbit.ops;

import static dev.lowbit.ops.OpTesting.run;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import dev.lowbit.onnx.Attribute;
import dev.lowbit.tensor.Tensor;
import java.util.List;
import org.junit.jupiter.api.Test;

class ActivationReduceOpsTest {
    private static final Tensor CUBE = Tensor.of(new float[] {0, 1, 2, 3, 4, 5, 6, 7}, 2, 2, 2);

    @Test
    void softmaxAxisSemanticsChangeAtOpset13() {
        // Opset 11, axis 1: each of the two 4-element tails is one softmax.
        float[] old = run("Softmax", 11, List.of(Attribute.ofInt("axis", 1)), CUBE).floats();
        double z = Math.exp(0) + Math.exp(1) + Math.exp(2) + Math.exp(3);
        assertArrayEquals(new float[] {(float) (1 / z), (float) (Math.E / z)}, new float[] {old[0], old[1]}, 1e-6f);
        // Opset 13, axis 1: pairs two apart are normalised together.
        float[] now = run("Softmax", 13, List.of(Attribute.ofInt("axis", 1)), CUBE).floats();
        float p = (float) (1 / (1 + Math.exp(2)));
        assertArrayEquals(new float[] {p, p, 1 - p, 1 - p}, new float[] {now[0], now[1], now[2], now[3]}, 1e-6f);
    }

    @Test
    void clipUsesAttributesThenInputs() {
        Tensor x = Tensor.of(new float[] {-5, 0, 5}, 3);
        List<Attribute> attrs = List.of(Attribute.ofFloat("min", -1), Attribute.ofFloat("max", 1));
        assertArrayEquals(new float[] {-1, 0, 1}, run("Clip", 6, attrs, x).floats());
        Tensor xi = Tensor.of(new int[] {-5, 0, 5}, 3);
        assertArrayEquals(new int[] {-5, 0, 2}, run("Clip", 13, xi, null, Tensor.of(new int[] {2}, new int[0])).ints());
    }

    @Test
    void reduceAxesMoveFromAttributeToInput() {
        Tensor a = run("ReduceSum", 11, List.of(Attribute.ofInts("axes", 2), Attribute.ofInt("keepdims", 0)), CUBE);
        assertArrayEquals(new float[] {1, 5, 9, 13}, a.floats());
        assertArrayEquals(new int[] {2, 2}, a.shape());
        Tensor b = run("ReduceSum", 13, List.of(Attribute.ofInt("keepdims", 0)), CUBE, Tensor.of(new long[] {-1}, 1));
        assertArrayEquals(a.floats(), b.floats());
        Tensor all = run("ReduceMax", 13, CUBE);
        assertArrayEquals(new int[] {1, 1, 1}, all.shape());
        assertArrayEquals(new float[] {7}, all.floats());
        Tensor same = run("ReduceSum", 13, List.of(Attribute.ofInt("noop_with_empty_axes", 1)), CUBE);
        assertArrayEquals(CUBE.floats(), same.floats());
    }

    @Test
    void argMaxSelectsFirstOrLastIndex() {
        Tensor x = Tensor.of(new float[] {3, 1, 3, 2, 2, 0}, 2, 3);
        assertArrayEquals(new long[] {0, 0}, run("ArgMax", 13, List.of(Attribute.ofInt("axis", 1)), x).longs());
        assertArrayEquals(new long[] {2, 1}, run("ArgMax", 13,
                List.of(Attribute.ofInt("axis", 1), Attribute.ofInt("select_last_index", 1)), x).longs());
        assertArrayEquals(new long[] {1, 0, 1}, run("ArgMin", 13, x).longs());
    }

    @Test
    void geluVariants() {
        Tensor x = Tensor.of(new float[] {-1, 0, 1}, 3);
        float[] exact = run("Gelu", 20, x).floats();
        assertArrayEquals(new float[] {-0.15865526f, 0f, 0.8413447f}, exact, 1e-6f);
        float[] tanh = run("Gelu", 20, List.of(Attribute.ofString("approximate", "tanh")), x).floats();
        assertArrayEquals(new float[] {-0.15880801f, 0f, 0.841192f}, tanh, 1e-6f);
    }
}
