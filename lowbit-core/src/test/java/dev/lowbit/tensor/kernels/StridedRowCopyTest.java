package dev.lowbit.tensor.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The vectorised strided row copy against its scalar definition, including rows at the arrays' ends. */
class StridedRowCopyTest {
    @Test
    void matchesReferenceForAllStridesAndOffsets() {
        Random rnd = new Random(7);
        for (int trial = 0; trial < 2000; trial++) {
            int stride = 1 + rnd.nextInt(3);
            int n = rnd.nextInt(40);
            int srcLen = n == 0 ? rnd.nextInt(5) : (n - 1) * stride + 1 + rnd.nextInt(trial % 3 == 0 ? 2 : 40);
            int dstLen = n + rnd.nextInt(trial % 2 == 0 ? 2 : 40);
            int s = srcLen - (n == 0 ? 0 : (n - 1) * stride + 1) == 0 ? 0
                    : rnd.nextInt(srcLen - (n == 0 ? 0 : (n - 1) * stride + 1) + 1);
            int d = rnd.nextInt(dstLen - n + 1);
            float[] src = new float[srcLen];
            for (int i = 0; i < srcLen; i++) {
                src[i] = rnd.nextFloat();
            }
            float[] expected = new float[dstLen];
            Arrays.fill(expected, -1f);
            float[] actual = expected.clone();
            StridedRowCopy.reference(src, s, stride, expected, d, n);
            StridedRowCopy.copy(src, s, stride, actual, d, n);
            assertArrayEquals(expected, actual, "trial " + trial + " stride " + stride + " n " + n);
        }
    }
}
