package dev.lowbit.ops;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import dev.lowbit.tensor.Shapes;
import dev.lowbit.tensor.Tensor;
import java.util.Random;
import org.junit.jupiter.api.Test;

class IndexingOpsTest {
    /** Naive slice: walk output coordinates and compute each source coordinate. */
    private static float[] naiveSlice(Tensor x, long[] starts, long[] ends, long[] steps, int[] outShape) {
        int[] s = x.shapeRef();
        int[] st = Shapes.strides(s);
        float[] out = new float[Shapes.size(outShape)];
        int[] idx = new int[s.length];
        for (int o = 0; o < out.length; o++) {
            int rem = o;
            for (int d = s.length - 1; d >= 0; d--) {
                idx[d] = rem % outShape[d];
                rem /= outShape[d];
            }
            int off = 0;
            for (int d = 0; d < s.length; d++) {
                long start = starts[d] < 0 ? starts[d] + s[d] : starts[d];
                start = steps[d] > 0 ? Math.max(0, Math.min(s[d], start)) : Math.max(0, Math.min(s[d] - 1, start));
                off += (int) (start + idx[d] * steps[d]) * st[d];
            }
            out[o] = x.floats()[off];
        }
        return out;
    }

    @Test
    void sliceMatchesNaiveWithNegativeStepsAndClamping() {
        Random rnd = new Random(11);
        for (int trial = 0; trial < 200; trial++) {
            int rank = 1 + rnd.nextInt(4);
            int[] shape = new int[rank];
            long[] starts = new long[rank];
            long[] ends = new long[rank];
            long[] steps = new long[rank];
            int[] axes = new int[rank];
            for (int d = 0; d < rank; d++) {
                shape[d] = 1 + rnd.nextInt(6);
                starts[d] = rnd.nextInt(16) - 8;
                ends[d] = rnd.nextInt(5) == 0 ? (rnd.nextBoolean() ? Long.MAX_VALUE : Long.MIN_VALUE) : rnd.nextInt(16) - 8;
                steps[d] = rnd.nextBoolean() ? 1 + rnd.nextInt(3) : -1 - rnd.nextInt(3);
                axes[d] = d;
            }
            float[] data = new float[Shapes.size(shape)];
            for (int i = 0; i < data.length; i++) {
                data[i] = i;
            }
            Tensor x = Tensor.of(data, shape);
            Tensor y = IndexingOps.slice(x, starts, ends, axes, steps);
            assertArrayEquals(naiveSlice(x, starts, ends, steps, y.shapeRef()), y.floats());
        }
    }

    @Test
    void sliceNegativeStepReverses() {
        Tensor x = Tensor.of(new float[] {0, 1, 2, 3, 4}, 5);
        Tensor y = IndexingOps.slice(x, new long[] {-1}, new long[] {Long.MIN_VALUE}, new int[] {0}, new long[] {-2});
        assertArrayEquals(new float[] {4, 2, 0}, y.floats());
    }

    @Test
    void topKBreaksTiesByLowerIndex() {
        Tensor x = Tensor.of(new float[] {1, 3, 3, 2, 3}, 1, 5);
        Tensor[] r = SearchScanOps.topK(x, 3, -1, true);
        assertArrayEquals(new float[] {3, 3, 3}, r[0].floats());
        assertArrayEquals(new long[] {1, 2, 4}, r[1].longs());
        Tensor[] s = SearchScanOps.topK(x, 2, 1, false);
        assertArrayEquals(new long[] {0, 3}, s[1].longs());
    }

    @Test
    void scatterNDWithAddReduction() {
        Tensor data = Tensor.of(new float[] {1, 2, 3, 4}, 4);
        Tensor idx = Tensor.of(new long[] {1, 1, 3}, 3, 1);
        Tensor upd = Tensor.of(new float[] {10, 20, 5}, 3);
        Tensor y = ScatterOps.scatterND(data, idx, upd, ScatterOps.Reduction.ADD);
        assertArrayEquals(new float[] {1, 32, 3, 9}, y.floats());
    }

    @Test
    void cumSumExclusiveReverse() {
        Tensor x = Tensor.of(new long[] {1, 2, 3, 4}, 4);
        assertArrayEquals(new long[] {9, 7, 4, 0}, SearchScanOps.cumSum(x, 0, true, true).longs());
    }

    @Test
    void nllLossMeanDividesBySummedWeightsOfCountedTargets() {
        // N=3, C=2: input rows [-1,-2], [-3,-4], [-5,-6]; targets 1, 0, ignored
        Tensor input = Tensor.of(new float[] {-1, -2, -3, -4, -5, -6}, 3, 2);
        Tensor weight = Tensor.of(new float[] {0.5f, 2f}, 2);
        Tensor loss = LossOps.nll(input, new long[] {1, 0, 7}, weight, "mean", 7L);
        // (2*2 + 0.5*3) / (2 + 0.5)
        org.junit.jupiter.api.Assertions.assertEquals(5.5 / 2.5, loss.floats()[0], 1e-6);
        Tensor none = LossOps.nll(input, new long[] {1, 0, 7}, null, "none", 7L);
        assertArrayEquals(new float[] {2, 3, 0}, none.floats());
    }

    @Test
    void nonMaxSuppressionKeepsBestAndDropsOverlaps() {
        Tensor boxes = Tensor.of(new float[] {0, 0, 1, 1, 0, 0.1f, 1, 1.1f, 0, 10, 1, 11}, 1, 3, 4);
        Tensor scores = Tensor.of(new float[] {0.9f, 0.95f, 0.5f}, 1, 1, 3);
        Tensor sel = NonMaxSuppressionOps.nms(boxes, scores, 10, 0.5f, null, false);
        assertArrayEquals(new long[] {0, 0, 1, 0, 0, 2}, sel.longs());
    }
}
