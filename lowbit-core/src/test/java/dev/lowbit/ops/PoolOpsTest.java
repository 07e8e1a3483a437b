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
import dev.lowbit.tensor.DType;
import dev.lowbit.tensor.Tensor;
import java.util.Random;
import org.junit.jupiter.api.Test;

class PoolOpsTest {
    private final Random rnd = new Random(99);

    @Test
    void floatFastPathAgreesWithDoublePathAndIndices() {
        float[] x = random(rnd, 2 * 3 * 9 * 11);
        Attribute[] attrs = {Attribute.ofInts("kernel_shape", 3, 3), Attribute.ofInts("strides", 2, 1),
            Attribute.ofInts("pads", 1, 1, 1, 0), Attribute.ofInt("ceil_mode", 1)};
        Tensor fast = run("MaxPool", 12, new Tensor[] {Tensor.of(x, 2, 3, 9, 11)}, 1, attrs)[0];
        Tensor[] withIdx = run("MaxPool", 12, new Tensor[] {Tensor.of(widen(x), 2, 3, 9, 11)}, 2, attrs);
        assertArrayEquals(withIdx[0].shape(), fast.shape());
        assertArrayEquals(values(withIdx[0]), values(fast), 0);
        assertEquals(DType.INT64, withIdx[1].dtype());
        for (int i = 0; i < fast.size(); i++) {
            assertEquals(fast.floats()[i], x[(int) withIdx[1].longs()[i]], 0);
        }
        Tensor avgFloat = run("AveragePool", 11, new Tensor[] {Tensor.of(x, 2, 3, 9, 11)}, 1, attrs)[0];
        Tensor avgDouble = run("AveragePool", 11, new Tensor[] {Tensor.of(widen(x), 2, 3, 9, 11)}, 1, attrs)[0];
        assertArrayEquals(values(avgDouble), values(avgFloat), 1e-5);
    }

    @Test
    void oneDimensionalFloatPoolingAgreesWithDoublePath() {
        for (int iter = 0; iter < 30; iter++) {
            int w = 5 + rnd.nextInt(60);
            float[] x = random(rnd, 2 * 3 * w);
            int k = 1 + rnd.nextInt(4);
            Attribute[] attrs = {Attribute.ofInts("kernel_shape", k), Attribute.ofInts("strides", 1 + rnd.nextInt(2)),
                Attribute.ofInts("pads", rnd.nextInt(k), rnd.nextInt(k)), Attribute.ofInt("ceil_mode", iter % 2),
                Attribute.ofInt("count_include_pad", iter % 3 == 0 ? 1 : 0)};
            for (String op : new String[] {"MaxPool", "AveragePool"}) {
                Tensor f = run(op, 11, new Tensor[] {Tensor.of(x, 2, 3, w)}, 1, attrs)[0];
                Tensor d = run(op, 11, new Tensor[] {Tensor.of(widen(x), 2, 3, w)}, 1, attrs)[0];
                assertArrayEquals(d.shape(), f.shape());
                assertArrayEquals(values(d), values(f), 1e-5, op);
            }
        }
    }

    /** 8-bit MaxPool (the float kernels on exact integers) against the reference on the same values as doubles. */
    @Test
    void eightBitMaxPoolEqualsTheReference() {
        for (int iter = 0; iter < 30; iter++) {
            DType t = iter % 2 == 0 ? DType.UINT8 : DType.INT8;
            boolean big = iter >= 24; // enough planes and pixels for several parallel tasks
            int h = big ? 30 + rnd.nextInt(30) : 2 + rnd.nextInt(12);
            int w = big ? 30 + rnd.nextInt(30) : 2 + rnd.nextInt(12);
            int kh = 1 + rnd.nextInt(Math.min(3, h));
            int kw = 1 + rnd.nextInt(Math.min(3, w));
            Tensor x = Tensor.zeros(t, 2, big ? 40 : 3, h, w);
            rnd.nextBytes(x.bytes());
            double[] xd = new double[x.size()];
            for (int i = 0; i < xd.length; i++) {
                xd[i] = t == DType.UINT8 ? x.bytes()[i] & 0xFF : x.bytes()[i];
            }
            Attribute[] attrs = {Attribute.ofInts("kernel_shape", kh, kw), Attribute.ofInts("strides", 1 + rnd.nextInt(2), 1 + rnd.nextInt(2)),
                Attribute.ofInts("pads", rnd.nextInt(kh), rnd.nextInt(kw), rnd.nextInt(kh), rnd.nextInt(kw)),
                Attribute.ofInt("ceil_mode", iter % 3 == 0 ? 1 : 0)};
            Tensor fast = run("MaxPool", 12, new Tensor[] {x}, 1, attrs)[0];
            Tensor reference = run("MaxPool", 12, new Tensor[] {Tensor.wrap(DType.DOUBLE, x.shape(), xd)}, 1, attrs)[0];
            assertEquals(t, fast.dtype());
            assertArrayEquals(reference.shape(), fast.shape());
            double[] expected = values(reference);
            for (int i = 0; i < expected.length; i++) {
                int v = t == DType.UINT8 ? fast.bytes()[i] & 0xFF : fast.bytes()[i];
                assertEquals(expected[i], v, 0, "iter " + iter + " at " + i);
            }
        }
    }

    @Test
    void lpPoolsComputeNorms() {
        Tensor x = Tensor.of(new float[] {3, 4, 6, 8}, 1, 1, 4);
        Tensor y = run("LpPool", 11, new Tensor[] {x}, 1, Attribute.ofInts("kernel_shape", 2),
                Attribute.ofInts("strides", 2), Attribute.ofInt("p", 2))[0];
        assertArrayEquals(new float[] {5, 10}, y.floats(), 1e-5f);
        Tensor g = run("GlobalLpPool", 2, new Tensor[] {x}, 1, Attribute.ofInt("p", 1))[0];
        assertArrayEquals(new int[] {1, 1, 1}, g.shape());
        assertArrayEquals(new float[] {21}, g.floats(), 1e-5f);
    }

    @Test
    void maxUnpoolInvertsMaxPoolWithIndices() {
        Tensor x = Tensor.of(new float[] {1, 5, 2, 0, 3, 4, 7, 6, 8, 1, 0, 2, 9, 3, 4, 1}, 1, 1, 4, 4);
        Attribute[] attrs = {Attribute.ofInts("kernel_shape", 2, 2), Attribute.ofInts("strides", 2, 2)};
        Tensor[] pooled = run("MaxPool", 12, new Tensor[] {x}, 2, attrs);
        Tensor y = run("MaxUnpool", 11, new Tensor[] {pooled[0], pooled[1], null}, 1, attrs)[0];
        assertArrayEquals(new int[] {1, 1, 4, 4}, y.shape());
        assertArrayEquals(new float[] {0, 5, 0, 0, 0, 0, 7, 0, 0, 0, 0, 0, 9, 0, 4, 0}, y.floats());
    }

    @Test
    void globalAveragePoolOfThreeDimensionalInput() {
        float[] x = random(rnd, 2 * 3 * 4 * 5 * 6);
        Tensor y = run("GlobalAveragePool", 7, new Tensor[] {Tensor.of(x, 2, 3, 4, 5, 6)}, 1)[0];
        assertArrayEquals(new int[] {2, 3, 1, 1, 1}, y.shape());
        for (int p = 0; p < 6; p++) {
            double sum = 0;
            for (int i = 0; i < 120; i++) {
                sum += x[p * 120 + i];
            }
            assertEquals(sum / 120, y.floats()[p], 1e-5);
        }
    }

    @Test
    void integerAveragePoolIsUnsupported() {
        Tensor x = Tensor.of(new int[] {1, 2, 3, 4}, 1, 1, 2, 2);
        assertThrows(UnsupportedOpException.class, () -> run("AveragePool", 11, new Tensor[] {x}, 1,
                Attribute.ofInts("kernel_shape", 2, 2)));
        assertThrows(UnsupportedOpException.class, () -> run("MaxPool", 11, new Tensor[] {x}, 1));
    }
}
