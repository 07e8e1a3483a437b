package dev.lowbit.tensor.kernels.panama;

import dev.lowbit.tensor.kernels.IntGemmLoops;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorSpecies;

/** Integer GEMM accumulation on the Vector API: int32 axpy over rows of packed B. */
final class PanamaIntGemmLoops implements IntGemmLoops {
    private static final VectorSpecies<Integer> S = PanamaSpecies.INT;

    /** Each vector of B is loaded once and feeds four accumulators that stay in registers across the K block. */
    @Override
    public void accumulate4(int[] aw, int aRow, int k, int p0, int p1, int[] b, int n, int c0, int c1, int[] c,
            int cRow) {
        int bound = c0 + S.loopBound(c1 - c0);
        int j = c0;
        for (; j < bound; j += S.length()) {
            IntVector acc0 = IntVector.fromArray(S, c, cRow + j);
            IntVector acc1 = IntVector.fromArray(S, c, cRow + n + j);
            IntVector acc2 = IntVector.fromArray(S, c, cRow + 2 * n + j);
            IntVector acc3 = IntVector.fromArray(S, c, cRow + 3 * n + j);
            for (int p = p0; p < p1; p++) {
                IntVector bv = IntVector.fromArray(S, b, p * n + j);
                acc0 = acc0.add(bv.mul(aw[aRow + p]));
                acc1 = acc1.add(bv.mul(aw[aRow + k + p]));
                acc2 = acc2.add(bv.mul(aw[aRow + 2 * k + p]));
                acc3 = acc3.add(bv.mul(aw[aRow + 3 * k + p]));
            }
            acc0.intoArray(c, cRow + j);
            acc1.intoArray(c, cRow + n + j);
            acc2.intoArray(c, cRow + 2 * n + j);
            acc3.intoArray(c, cRow + 3 * n + j);
        }
        for (; j < c1; j++) {
            for (int r = 0; r < 4; r++) {
                int sum = c[cRow + r * n + j];
                for (int p = p0; p < p1; p++) {
                    sum += aw[aRow + r * k + p] * b[p * n + j];
                }
                c[cRow + r * n + j] = sum;
            }
        }
    }

    @Override
    public void accumulate(int[] aw, int aRow, int p0, int p1, int[] b, int n, int c0, int c1, int[] c, int cRow) {
        int width = c1 - c0;
        int bound = c0 + S.loopBound(width);
        for (int p = p0; p < p1; p++) {
            int av = aw[aRow + p];
            if (av == 0) {
                continue;
            }
            int brow = p * n;
            int j = c0;
            for (; j < bound; j += S.length()) {
                IntVector acc = IntVector.fromArray(S, c, cRow + j);
                IntVector bv = IntVector.fromArray(S, b, brow + j);
                acc.add(bv.mul(av)).intoArray(c, cRow + j);
            }
            for (; j < c1; j++) {
                c[cRow + j] += av * b[brow + j];
            }
        }
    }
}
