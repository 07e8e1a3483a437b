package dev.lowbit.tensor.kernels;

import dev.lowbit.tensor.Parallel;
import dev.lowbit.tensor.Shapes;
import dev.lowbit.tensor.Tensor;

/** Gather, GatherElements and GatherND over any element type (block copies where possible). */
public final class GatherKernels {
    private GatherKernels() {
    }

    /** Gather along {@code axis}: indices are already normalised to [0, dim). */
    public static Tensor gather(Tensor data, int axis, int[] indices, int[] indexShape) {
        int[] ds = data.shapeRef();
        int rank = ds.length;
        int[] outShape = new int[rank - 1 + indexShape.length];
        System.arraycopy(ds, 0, outShape, 0, axis);
        System.arraycopy(indexShape, 0, outShape, axis, indexShape.length);
        System.arraycopy(ds, axis + 1, outShape, axis + indexShape.length, rank - axis - 1);
        Tensor out = Tensor.zeros(data.dtype(), outShape);
        int outer = 1;
        for (int i = 0; i < axis; i++) {
            outer *= ds[i];
        }
        int inner = 1;
        for (int i = axis + 1; i < rank; i++) {
            inner *= ds[i];
        }
        int dim = ds[axis];
        int k = indices.length;
        Object src = data.data();
        Object dst = out.data();
        if (out.size() == 0) {
            return out;
        }
        if (inner == 1) {
            Parallel.forRange(outer, Math.max(1, 16384 / Math.max(1, k)), (o0, o1) -> {
                for (int o = o0; o < o1; o++) {
                    CopyKernels.gatherRun(src, o * dim, indices, dst, o * k);
                }
            });
            return out;
        }
        int innerF = inner;
        Parallel.forRange(outer * k, Math.max(1, 16384 / inner), (r0, r1) -> {
            for (int r = r0; r < r1; r++) {
                int o = r / k, j = r % k;
                System.arraycopy(src, (o * dim + indices[j]) * innerF, dst, r * innerF, innerF);
            }
        });
        return out;
    }

    /** GatherElements: out[i] = data[i with axis coordinate replaced by indices[i]]. */
    public static Tensor gatherElements(Tensor data, int axis, int[] indices, int[] indexShape) {
        Tensor out = Tensor.zeros(data.dtype(), indexShape);
        int[] dStrides = Shapes.strides(data.shapeRef());
        int rank = indexShape.length;
        int[] idx = new int[rank];
        Object src = data.data();
        Object dst = out.data();
        for (int i = 0; i < indices.length; i++) {
            int off = 0;
            for (int d = 0; d < rank; d++) {
                off += (d == axis ? indices[i] : idx[d]) * dStrides[d];
            }
            System.arraycopy(src, off, dst, i, 1);
            for (int d = rank - 1; d >= 0; d--) {
                if (++idx[d] < indexShape[d]) {
                    break;
                }
                idx[d] = 0;
            }
        }
        return out;
    }

    /**
     * GatherND: {@code indices} has shape [batch..., m..., k] (already normalised); each k-tuple picks
     * a block of data[batch..., i0..ik-1, ...].
     */
    public static Tensor gatherND(Tensor data, int batchDims, int[] indices, int[] indexShape) {
        int[] ds = data.shapeRef();
        int k = indexShape[indexShape.length - 1];
        int outRank = indexShape.length - 1 + ds.length - batchDims - k;
        int[] outShape = new int[outRank];
        System.arraycopy(indexShape, 0, outShape, 0, indexShape.length - 1);
        System.arraycopy(ds, batchDims + k, outShape, indexShape.length - 1, ds.length - batchDims - k);
        Tensor out = Tensor.zeros(data.dtype(), outShape);
        int batch = 1;
        for (int i = 0; i < batchDims; i++) {
            batch *= ds[i];
        }
        int block = 1;
        for (int i = batchDims + k; i < ds.length; i++) {
            block *= ds[i];
        }
        int[] dStrides = Shapes.strides(ds);
        int batchStride = batchDims == 0 ? 0 : dStrides[batchDims - 1];
        int tuples = indices.length / Math.max(1, k);
        if (k == 0) {
            tuples = Shapes.size(indexShape) == 0 ? 0 : Shapes.size(java.util.Arrays.copyOf(indexShape, indexShape.length - 1));
        }
        int perBatch = tuples / Math.max(1, batch);
        for (int t = 0; t < tuples; t++) {
            int b = perBatch == 0 ? 0 : t / perBatch;
            int off = b * batchStride;
            for (int j = 0; j < k; j++) {
                off += indices[t * k + j] * dStrides[batchDims + j];
            }
            System.arraycopy(data.data(), off, out.data(), t * block, block);
        }
        return out;
    }
}
