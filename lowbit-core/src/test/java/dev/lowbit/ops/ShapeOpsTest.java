package dev.lowbit.ops;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import dev.lowbit.tensor.DType;
import dev.lowbit.tensor.Shapes;
import dev.lowbit.tensor.Tensor;
import dev.lowbit.tensor.kernels.TransposeKernels;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ShapeOpsTest {
    private static Tensor randomFloat(Random rnd, int... shape) {
        float[] d = new float[Shapes.size(shape)];
        for (int i = 0; i < d.length; i++) {
            d[i] = rnd.nextFloat();
        }
        return Tensor.of(d, shape);
    }

    private static int[] randomPerm(Random rnd, int rank) {
        int[] p = new int[rank];
        for (int i = 0; i < rank; i++) {
            p[i] = i;
        }
        for (int i = rank - 1; i > 0; i--) {
            int j = rnd.nextInt(i + 1);
            int t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return p;
    }

    @Test
    void transposeMatchesReferenceOnRandomShapesAndPerms() {
        Random rnd = new Random(42);
        for (int trial = 0; trial < 300; trial++) {
            int rank = 1 + rnd.nextInt(5);
            int[] shape = new int[rank];
            for (int i = 0; i < rank; i++) {
                shape[i] = 1 + rnd.nextInt(rank <= 2 ? 70 : 7);
            }
            int[] perm = randomPerm(rnd, rank);
            Tensor x = randomFloat(rnd, shape);
            Tensor fast = TransposeKernels.transpose(x, perm);
            Tensor ref = TransposeKernels.reference(x, perm);
            assertArrayEquals(ref.shapeRef(), fast.shapeRef());
            assertArrayEquals(ref.floats(), fast.floats());
            // the generic (non-float) path too
            Tensor xl = dev.lowbit.tensor.DTypes.convert(x.copy(), DType.INT64);
            for (int i = 0; i < xl.size(); i++) {
                xl.longs()[i] = i;
            }
            assertArrayEquals(TransposeKernels.reference(xl, perm).longs(), TransposeKernels.transpose(xl, perm).longs());
            Tensor xb = Tensor.zeros(DType.INT8, shape);
            for (int i = 0; i < xb.size(); i++) {
                xb.bytes()[i] = (byte) rnd.nextInt();
            }
            assertArrayEquals(TransposeKernels.reference(xb, perm).bytes(), TransposeKernels.transpose(xb, perm).bytes());
        }
    }

    @Test
    void transposeNchwToNhwcUsesBatched2dAndIsCorrect() {
        Random rnd = new Random(7);
        Tensor x = randomFloat(rnd, 2, 37, 9, 11);
        int[] perm = {0, 2, 3, 1};
        assertArrayEquals(TransposeKernels.reference(x, perm).floats(), TransposeKernels.transpose(x, perm).floats());
        int[] back = {0, 3, 1, 2};
        Tensor y = TransposeKernels.transpose(x, perm);
        assertArrayEquals(x.floats(), TransposeKernels.transpose(y, back).floats());
    }

    @Test
    void reshapeCopiesZeroAndInfersMinusOne() {
        assertArrayEquals(new int[] {2, 3, 4}, ShapeOps.reshapeTarget(new int[] {2, 12}, new int[] {0, 3, -1}, false));
        assertArrayEquals(new int[] {0, 3}, ShapeOps.reshapeTarget(new int[] {0, 3}, new int[] {0, 3}, true));
    }

    @Test
    void tileAndExpandRepeatData() {
        Tensor x = Tensor.of(new long[] {1, 2, 3}, 1, 3);
        assertArrayEquals(new long[] {1, 2, 3, 1, 2, 3, 1, 2, 3, 1, 2, 3}, ShapeOps.tile(x, new int[] {2, 2}).longs());
        Tensor e = ShapeOps.broadcastTo(Tensor.of(new long[] {1, 2}, 2, 1), new int[] {2, 3});
        assertArrayEquals(new long[] {1, 1, 1, 2, 2, 2}, e.longs());
    }

    @Test
    void concatAndSplitRoundTrip() {
        Random rnd = new Random(3);
        Tensor x = randomFloat(rnd, 3, 10, 4);
        Tensor[] parts = ConcatSplitOps.split(x, 1, new int[] {2, 5, 3}, 3);
        assertArrayEquals(new int[] {3, 5, 4}, parts[1].shapeRef());
        assertArrayEquals(x.floats(), ConcatSplitOps.concat(parts, -2).floats());
        Tensor[] even = ConcatSplitOps.split(x, 1, null, 3);
        assertArrayEquals(new int[] {3, 4, 4}, even[0].shapeRef());
        assertArrayEquals(new int[] {3, 2, 4}, even[2].shapeRef());
    }
}
