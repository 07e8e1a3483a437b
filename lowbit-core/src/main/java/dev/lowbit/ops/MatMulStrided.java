package dev.lowbit.ops;

import dev.lowbit.tensor.Parallel;
import dev.lowbit.tensor.Shapes;
import dev.lowbit.tensor.kernels.Gemm;

/**
 * Batched MatMul on operands and a result seen through transposes: attention's Q·Kᵀ and P·V read
 * the heads straight out of the [batch, seq, heads, dim] projections and write the context back in
 * that layout, with the transposes folded into the GEMM's strides instead of copied (one pass over
 * memory fewer per transpose). Every matrix needs a unit stride along one of its two axes, which
 * is what the GEMM's packing reads (row-major, or transposed).
 */
final class MatMulStrided {
    private MatMulStrided() {
    }

    /** A tensor as MatMul sees it: its shape, and each dimension's stride in the array holding it. */
    record View(int[] shape, int[] strides) {
        /** {@code transpose(source, perm)} without moving data; a null perm is the source itself. */
        static View of(int[] source, int[] perm) {
            int[] str = Shapes.strides(source);
            if (perm == null) {
                return new View(source, str);
            }
            int[] shape = new int[perm.length];
            int[] strides = new int[perm.length];
            for (int d = 0; d < perm.length; d++) {
                shape[d] = source[perm[d]];
                strides[d] = str[perm[d]];
            }
            return new View(shape, strides);
        }

        /**
         * The strides of a result of shape {@code shape} written into the array of
         * {@code transpose(result, perm)} (contiguous), so the transpose is already done.
         */
        static View into(int[] shape, int[] perm) {
            if (perm == null) {
                return new View(shape, Shapes.strides(shape));
            }
            int[] transposed = new int[perm.length];
            for (int d = 0; d < perm.length; d++) {
                transposed[d] = shape[perm[d]];
            }
            int[] tStr = Shapes.strides(transposed);
            int[] strides = new int[perm.length];
            for (int d = 0; d < perm.length; d++) {
                strides[perm[d]] = tStr[d];
            }
            return new View(shape, strides);
        }

        int rank() {
            return shape.length;
        }

        /** True when the matrix (last two axes) is stored transposed: unit stride down its rows. */
        boolean transposed() {
            return strides[rank() - 1] != 1;
        }

        /** The leading dimension the GEMM steps by: the stride of the axis without unit stride. */
        int leading() {
            int r = rank();
            if (strides[r - 1] != 1 && strides[r - 2] != 1) {
                throw new IllegalArgumentException("MatMul operand has no unit-stride axis: " + this);
            }
            return transposed() ? strides[r - 1] : strides[r - 2];
        }

        /** Strides of the batch axes over {@code batch}, right-aligned, 0 where this view broadcasts. */
        int[] batchStrides(int[] batch) {
            int own = rank() - 2;
            int[] out = new int[batch.length];
            for (int d = 0; d < own; d++) {
                int t = batch.length - own + d;
                out[t] = shape[d] == 1 && batch[t] != 1 ? 0 : strides[d];
            }
            return out;
        }
    }

    /**
     * y = alpha * a x b (+ y when {@code accumulate}) for every batch of {@code batch}: one GEMM per
     * batch, the batches spread over threads (each GEMM then runs on the thread that took it).
     */
    static void run(float[] af, View a, float[] bf, View b, float[] yf, View y, int[] batch, float alpha,
            boolean accumulate) {
        int m = a.shape()[a.rank() - 2];
        int k = a.shape()[a.rank() - 1];
        int n = b.shape()[b.rank() - 1];
        int[] aStr = a.batchStrides(batch);
        int[] bStr = b.batchStrides(batch);
        int[] yStr = y.batchStrides(batch);
        int[] idxStr = Shapes.strides(batch);
        boolean transA = a.transposed();
        boolean transB = b.transposed();
        int lda = a.leading();
        int ldb = b.leading();
        int ldy = y.leading();
        float beta = accumulate ? 1f : 0f;
        Parallel.forRange(Shapes.size(batch), 1, (t0, t1) -> {
            for (int t = t0; t < t1; t++) {
                int aOff = 0;
                int bOff = 0;
                int yOff = 0;
                for (int d = 0; d < batch.length; d++) {
                    int i = (t / idxStr[d]) % batch[d];
                    aOff += i * aStr[d];
                    bOff += i * bStr[d];
                    yOff += i * yStr[d];
                }
                Gemm.gemm(transA, transB, m, n, k, alpha, af, aOff, lda, bf, bOff, ldb, beta, yf, yOff, ldy);
            }
        });
    }
}
