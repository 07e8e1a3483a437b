package dev.lowbit.ops;

import static dev.lowbit.ops.OpTestSupport.random;
import static dev.lowbit.ops.OpTestSupport.run;
import static dev.lowbit.ops.OpTestSupport.values;
import static dev.lowbit.ops.OpTestSupport.widen;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.lowbit.UnsupportedOpException;
import dev.lowbit.onnx.Attribute;
import dev.lowbit.tensor.Tensor;
import java.util.Random;
import org.junit.jupiter.api.Test;

class NormalizationOpsTest {
    private final Random rnd = new Random(5);

    @Test
    void batchNormFloatAndDoubleAgreeIncludingRankTwo() {
        for (int[] shape : new int[][] {{2, 3, 4, 5}, {4, 19}}) {
            int c = shape[1];
            float[] x = random(rnd, dev.lowbit.tensor.Shapes.size(shape));
            float[] var = new float[c];
            for (int i = 0; i < c; i++) {
                var[i] = rnd.nextFloat() + 0.1f;
            }
            float[] scale = random(rnd, c);
            float[] bias = random(rnd, c);
            float[] mean = random(rnd, c);
            Tensor yf = run("BatchNormalization", 15, new Tensor[] {Tensor.of(x, shape), Tensor.of(scale, c),
                Tensor.of(bias, c), Tensor.of(mean, c), Tensor.of(var, c)}, 1)[0];
            Tensor yd = run("BatchNormalization", 15, new Tensor[] {Tensor.of(widen(x), shape),
                Tensor.of(widen(scale), c), Tensor.of(widen(bias), c), Tensor.of(widen(mean), c),
                Tensor.of(widen(var), c)}, 1)[0];
            assertArrayEquals(values(yd), values(yf), 1e-4);
        }
    }

    @Test
    void batchNormSpatialZeroUsesPerFeatureStatistics() {
        Tensor x = Tensor.of(new float[] {1, 2, 3, 4}, 1, 2, 2);
        Tensor ones = Tensor.of(new float[] {1, 1, 1, 1}, 2, 2);
        Tensor zeros = Tensor.of(new float[] {0, 0, 0, 0}, 2, 2);
        Tensor mean = Tensor.of(new float[] {1, 1, 2, 2}, 2, 2);
        Tensor y = run("BatchNormalization", 7, new Tensor[] {x, ones, zeros, mean, ones}, 1,
                Attribute.ofInt("spatial", 0), Attribute.ofFloat("epsilon", 0))[0];
        assertArrayEquals(new float[] {0, 1, 1, 2}, y.floats(), 1e-6f);
    }

    @Test
    void oldTrainingOutputsAreReportedUnsupported() {
        Tensor v = Tensor.of(new float[] {1}, 1);
        assertThrows(UnsupportedOpException.class, () -> run("BatchNormalization", 9,
                new Tensor[] {Tensor.of(new float[] {1}, 1, 1), v, v, v, v}, 3));
    }

    @Test
    void layerNormBroadcastsScaleAndMatchesDouble() {
        float[] x = random(rnd, 3 * 4 * 5);
        float[] scale = random(rnd, 5);
        Tensor[] yf = run("LayerNormalization", 17, new Tensor[] {Tensor.of(x, 3, 4, 5), Tensor.of(scale, 1, 5),
            null}, 3, Attribute.ofInt("axis", 1));
        float[] fullScale = new float[20];
        for (int i = 0; i < 20; i++) {
            fullScale[i] = scale[i % 5];
        }
        Tensor[] yd = run("LayerNormalization", 17, new Tensor[] {Tensor.of(widen(x), 3, 4, 5),
            Tensor.of(widen(fullScale), 4, 5), null}, 3, Attribute.ofInt("axis", -2));
        assertArrayEquals(values(yd[0]), values(yf[0]), 1e-4);
        assertArrayEquals(new int[] {3, 1, 1}, yf[1].shape());
        assertArrayEquals(values(yd[1]), values(yf[1]), 1e-5);
        assertArrayEquals(values(yd[2]), values(yf[2]), 1e-4);
    }

    @Test
    void groupNormPerGroupScaleMatchesPerChannelScale() {
        float[] x = random(rnd, 2 * 4 * 6);
        Tensor input = Tensor.of(x, 2, 4, 6);
        Tensor perGroup = run("GroupNormalization", 18, new Tensor[] {input, Tensor.of(new float[] {2, 3}, 2),
            Tensor.of(new float[] {1, -1}, 2)}, 1, Attribute.ofInt("num_groups", 2))[0];
        Tensor perChannel = run("GroupNormalization", 21, new Tensor[] {input,
            Tensor.of(new float[] {2, 2, 3, 3}, 4), Tensor.of(new float[] {1, 1, -1, -1}, 4)}, 1,
            Attribute.ofInt("num_groups", 2))[0];
        assertArrayEquals(perChannel.floats(), perGroup.floats(), 0f);
        // Each group of 2 channels x 6 positions is normalised: bias is the group mean afterwards.
        double sum = 0;
        for (int i = 0; i < 12; i++) {
            sum += perGroup.floats()[i];
        }
        assertEquals(1.0, sum / 12, 1e-5);
    }

    @Test
    void meanVarianceNormalizationOverChosenAxes() {
        Tensor x = Tensor.of(new float[] {1, 3, 10, 20}, 2, 2);
        Tensor y = run("MeanVarianceNormalization", 13, new Tensor[] {x}, 1, Attribute.ofInts("axes", 1))[0];
        assertArrayEquals(new float[] {-1, 1, -1, 1}, y.floats(), 1e-6f);
    }
}
