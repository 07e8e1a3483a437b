package dev.lowbit.grad;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.lowbit.onnx.Attribute;
import dev.lowbit.tensor.Shapes;
import dev.lowbit.tensor.Tensor;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Every backward rule against central finite differences (see {@link GradCheck} for the tolerance). */
class GradCheckTest {
    private final Random rng = new Random(20261125);

    static Tensor random(Random rng, int... shape) {
        float[] d = new float[Shapes.size(shape)];
        for (int i = 0; i < d.length; i++) {
            d[i] = (float) (rng.nextDouble() * 2 - 1);
        }
        return Tensor.of(d, shape);
    }

    /** Random values at least {@code gap} away from every kink in {@code kinks}. */
    private Tensor awayFrom(float gap, float[] kinks, float scale, int... shape) {
        Tensor t = random(rng, shape);
        float[] d = t.floats();
        for (int i = 0; i < d.length; i++) {
            d[i] *= scale;
            for (float k : kinks) {
                if (Math.abs(d[i] - k) < gap) {
                    d[i] = k + (d[i] >= k ? gap : -gap);
                }
            }
        }
        return t;
    }

    /** Distinct values 0.05 apart in random order (MaxPool needs a clear maximum per window). */
    private Tensor distinct(int... shape) {
        int n = Shapes.size(shape);
        float[] d = new float[n];
        for (int i = 0; i < n; i++) {
            d[i] = (i - n / 2f) * 0.05f;
        }
        for (int i = n - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            float t = d[i];
            d[i] = d[j];
            d[j] = t;
        }
        return Tensor.of(d, shape);
    }

    private Tensor positive(int... shape) {
        Tensor t = random(rng, shape);
        float[] d = t.floats();
        for (int i = 0; i < d.length; i++) {
            d[i] = 0.5f + Math.abs(d[i]);
        }
        return t;
    }

    private static Tensor longs(long... v) {
        return Tensor.of(v, v.length);
    }

    @Test
    void conv2dStridedPaddedWithBias() {
        GradCheck.of("Conv", 13).attr(Attribute.ofInts("pads", 1, 1, 1, 1)).attr(Attribute.ofInts("strides", 2, 2))
                .in(random(rng, 2, 3, 5, 5)).in(random(rng, 4, 3, 3, 3)).in(random(rng, 4)).check();
    }

    @Test
    void convGroupsDilation() {
        GradCheck.of("Conv", 13).attr(Attribute.ofInt("group", 2)).attr(Attribute.ofInts("dilations", 2, 2))
                .attr(Attribute.ofInts("pads", 2, 1, 1, 2))
                .in(random(rng, 2, 4, 6, 6)).in(random(rng, 6, 2, 2, 3)).check();
    }

    @Test
    void convDepthwiseWithMultiplier() {
        GradCheck.of("Conv", 13).attr(Attribute.ofInt("group", 3)).attr(Attribute.ofInts("pads", 1, 1, 1, 1))
                .attr(Attribute.ofInts("strides", 1, 2))
                .in(random(rng, 2, 3, 5, 6)).in(random(rng, 6, 1, 3, 3)).in(random(rng, 6)).check();
    }

    @Test
    void conv1dAutoPadAndPointwise() {
        GradCheck.of("Conv", 13).attr(Attribute.ofString("auto_pad", "SAME_UPPER"))
                .in(random(rng, 2, 2, 7)).in(random(rng, 3, 2, 4)).check();
        GradCheck.of("Conv", 13).in(random(rng, 2, 3, 4, 4)).in(random(rng, 5, 3, 1, 1)).in(random(rng, 5)).check();
    }

    @Test
    void gemmAllTranspositions() {
        for (int ta = 0; ta < 2; ta++) {
            for (int tb = 0; tb < 2; tb++) {
                Tensor a = ta == 1 ? random(rng, 4, 3) : random(rng, 3, 4);
                Tensor b = tb == 1 ? random(rng, 5, 4) : random(rng, 4, 5);
                GradCheck.of("Gemm", 13).attr(Attribute.ofInt("transA", ta)).attr(Attribute.ofInt("transB", tb))
                        .attr(Attribute.ofFloat("alpha", 0.7f)).attr(Attribute.ofFloat("beta", 1.3f))
                        .in(a).in(b).in(random(rng, 5)).check();
            }
        }
        GradCheck.of("Gemm", 13).in(random(rng, 2, 3)).in(random(rng, 3, 4)).in(random(rng, 2, 1)).check();
    }

    @Test
    void matMulBatchedBroadcastAndVectors() {
        GradCheck.of("MatMul", 13).in(random(rng, 3, 4)).in(random(rng, 4, 2)).check();
        GradCheck.of("MatMul", 13).in(random(rng, 2, 1, 3, 4)).in(random(rng, 3, 4, 5)).check();
        GradCheck.of("MatMul", 13).in(random(rng, 4)).in(random(rng, 2, 4, 3)).check();
        GradCheck.of("MatMul", 13).in(random(rng, 2, 3, 4)).in(random(rng, 4)).check();
    }

    @Test
    void arithmeticWithBroadcasting() {
        for (String op : new String[] {"Add", "Sub", "Mul"}) {
            GradCheck.of(op, 14).in(random(rng, 2, 3, 4)).in(random(rng, 3, 1)).check();
            GradCheck.of(op, 14).in(random(rng, 1, 4)).in(random(rng, 3, 1)).check();
        }
        GradCheck.of("Div", 14).in(random(rng, 2, 3, 4)).in(positive(3, 1)).check();
        GradCheck.of("Div", 14).in(positive(4)).in(positive(2, 1)).check();
    }

    @Test
    void unaryMath() {
        GradCheck.of("Neg", 13).in(random(rng, 2, 3)).check();
        GradCheck.of("Exp", 13).in(random(rng, 2, 3)).check();
        GradCheck.of("Log", 13).in(positive(2, 3)).check();
        GradCheck.of("Sqrt", 13).in(positive(2, 3)).check();
        GradCheck.of("Reciprocal", 13).in(positive(2, 3)).check();
    }

    @Test
    void activations() {
        float[] zero = {0f};
        GradCheck.of("Relu", 14).in(awayFrom(0.05f, zero, 1, 3, 4)).check();
        GradCheck.of("LeakyRelu", 16).attr(Attribute.ofFloat("alpha", 0.1f)).in(awayFrom(0.05f, zero, 1, 3, 4)).check();
        GradCheck.of("Sigmoid", 13).in(random(rng, 3, 4)).check();
        GradCheck.of("Tanh", 13).in(random(rng, 3, 4)).check();
        GradCheck.of("HardSwish", 14).in(awayFrom(0.05f, new float[] {-3, 3}, 5, 4, 5)).check();
        GradCheck.of("HardSigmoid", 6).in(awayFrom(0.1f, new float[] {-2.5f, 2.5f}, 4, 4, 5)).check();
        GradCheck.of("Erf", 13).in(random(rng, 3, 4)).check();
        GradCheck.of("Gelu", 20).in(random(rng, 3, 4)).check();
        GradCheck.of("Gelu", 20).attr(Attribute.ofString("approximate", "tanh")).in(random(rng, 3, 4)).check();
        GradCheck.of("Softplus", 1).in(random(rng, 3, 4)).check();
    }

    @Test
    void clipAcrossOpsets() {
        Tensor x = awayFrom(0.05f, new float[] {-0.5f, 0.4f}, 1, 4, 5);
        GradCheck.of("Clip", 13).in(x).constant(Tensor.scalar(-0.5f)).constant(Tensor.scalar(0.4f)).check();
        GradCheck.of("Clip", 13).in(x).none().constant(Tensor.scalar(0.4f)).check();
        GradCheck.of("Clip", 6).attr(Attribute.ofFloat("min", -0.5f)).attr(Attribute.ofFloat("max", 0.4f)).in(x).check();
    }

    @Test
    void softmaxFamilies() {
        GradCheck.of("Softmax", 13).attr(Attribute.ofInt("axis", 1)).in(random(rng, 2, 3, 4)).check();
        GradCheck.of("Softmax", 11).attr(Attribute.ofInt("axis", 1)).in(random(rng, 2, 3, 4)).check();
        GradCheck.of("LogSoftmax", 13).in(random(rng, 2, 3, 4)).check();
        GradCheck.of("LogSoftmax", 11).attr(Attribute.ofInt("axis", 1)).in(random(rng, 2, 3, 4)).check();
    }

    @Test
    void pooling() {
        GradCheck.of("GlobalAveragePool", 13).in(random(rng, 2, 3, 4, 5)).check();
        GradCheck.of("AveragePool", 11).attr(Attribute.ofInts("kernel_shape", 3, 3)).attr(Attribute.ofInts("strides", 2, 2))
                .attr(Attribute.ofInts("pads", 1, 1, 1, 1)).in(random(rng, 1, 2, 5, 6)).check();
        GradCheck.of("AveragePool", 11).attr(Attribute.ofInts("kernel_shape", 3, 2)).attr(Attribute.ofInt("count_include_pad", 1))
                .attr(Attribute.ofInts("pads", 1, 0, 1, 1)).in(random(rng, 1, 2, 5, 6)).check();
        GradCheck.of("MaxPool", 12).attr(Attribute.ofInts("kernel_shape", 3, 3)).attr(Attribute.ofInts("strides", 2, 2))
                .attr(Attribute.ofInts("pads", 1, 1, 1, 1)).in(distinct(2, 2, 5, 5)).check();
        GradCheck.of("MaxPool", 12).attr(Attribute.ofInts("kernel_shape", 2, 2)).attr(Attribute.ofInts("strides", 2, 2))
                .attr(Attribute.ofInt("ceil_mode", 1)).in(distinct(1, 2, 5, 5)).check();
    }

    @Test
    void dataMovement() {
        GradCheck.of("Identity", 13).in(random(rng, 2, 3)).check();
        GradCheck.of("Flatten", 13).attr(Attribute.ofInt("axis", 2)).in(random(rng, 2, 3, 4)).check();
        GradCheck.of("Reshape", 14).in(random(rng, 2, 3, 4)).constant(longs(4, -1)).check();
        GradCheck.of("Unsqueeze", 13).in(random(rng, 2, 3)).constant(longs(1)).check();
        GradCheck.of("Squeeze", 13).in(random(rng, 2, 1, 3)).constant(longs(1)).check();
        GradCheck.of("Transpose", 13).attr(Attribute.ofInts("perm", 2, 0, 1)).in(random(rng, 2, 3, 4)).check();
        GradCheck.of("Transpose", 13).in(random(rng, 2, 3, 4)).check();
        GradCheck.of("Concat", 13).attr(Attribute.ofInt("axis", 1))
                .in(random(rng, 2, 1, 3)).in(random(rng, 2, 3, 3)).in(random(rng, 2, 2, 3)).check();
        GradCheck.of("Split", 13).attr(Attribute.ofInt("axis", 2)).in(random(rng, 2, 3, 5)).constant(longs(2, 3))
                .outputs(2).check();
        GradCheck.of("Slice", 13).in(random(rng, 3, 6, 4)).constant(longs(5, 1)).constant(longs(0, 100))
                .constant(longs(1, -1)).constant(longs(-2, 2)).check();
        GradCheck.of("Slice", 1).attr(Attribute.ofInts("starts", 1)).attr(Attribute.ofInts("ends", 3))
                .attr(Attribute.ofInts("axes", 0)).in(random(rng, 4, 3)).check();
    }

    @Test
    void normalization() {
        Tensor x = random(rng, 3, 2, 3, 2);
        GradCheck.of("BatchNormalization", 15).in(x).in(random(rng, 2)).in(random(rng, 2))
                .constant(random(rng, 2)).constant(positive(2)).training().check();
        GradCheck.of("BatchNormalization", 15).in(x).in(random(rng, 2)).in(random(rng, 2))
                .constant(random(rng, 2)).constant(positive(2)).check();
        GradCheck.of("LayerNormalization", 17).in(random(rng, 2, 3, 4)).in(random(rng, 4)).in(random(rng, 4)).check();
        GradCheck.of("LayerNormalization", 17).attr(Attribute.ofInt("axis", 1)).in(random(rng, 2, 3, 4))
                .in(random(rng, 3, 4)).in(random(rng, 3, 4)).check();
    }

    @Test
    void batchNormTrainingUsesBatchStatistics() {
        Tape t = GradCheck.of("BatchNormalization", 15).in(Tensor.of(new float[] {1, 3, 5, 7}, 4, 1))
                .in(Tensor.of(new float[] {1}, 1)).in(Tensor.of(new float[] {0}, 1))
                .constant(Tensor.of(new float[] {100}, 1)).constant(Tensor.of(new float[] {1}, 1)).training().tape();
        float[] y = t.forward(java.util.Map.of("x0", Tensor.of(new float[] {1, 3, 5, 7}, 4, 1),
                "x1", Tensor.of(new float[] {1}, 1), "x2", Tensor.of(new float[] {0}, 1))).get("y0").floats();
        assertEquals(-3 / Math.sqrt(5 + 1e-5), y[0], 1e-5); // mean 4, variance 5: running stats ignored
    }

    @Test
    void powWithConstantAndBroadcastExponents() {
        GradCheck.of("Pow", 13).in(positive(2, 3)).constant(Tensor.scalar(2f)).check();
        GradCheck.of("Pow", 13).in(positive(2, 3)).constant(Tensor.scalar(0.5f)).check();
        GradCheck.of("Pow", 13).in(positive(2, 3)).in(positive(3)).check();
    }

    @Test
    void reduceMeanAndSumOverAttributeAndInputAxes() {
        GradCheck.of("ReduceMean", 13).attr(Attribute.ofInts("axes", -1)).in(random(rng, 2, 3, 4)).check();
        GradCheck.of("ReduceMean", 13).attr(Attribute.ofInts("axes", 0, 2)).attr(Attribute.ofInt("keepdims", 0))
                .in(random(rng, 2, 3, 4)).check();
        GradCheck.of("ReduceMean", 18).in(random(rng, 2, 3, 4)).constant(longs(1)).check();
        GradCheck.of("ReduceMean", 13).in(random(rng, 2, 3)).check();
        GradCheck.of("ReduceSum", 13).in(random(rng, 2, 3, 4)).constant(longs(1, 2)).check();
        GradCheck.of("ReduceSum", 11).attr(Attribute.ofInts("axes", 0)).attr(Attribute.ofInt("keepdims", 0))
                .in(random(rng, 3, 2)).check();
    }
}
