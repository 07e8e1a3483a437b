package dev.lowbit.grad;

import dev.lowbit.tensor.DType;
import dev.lowbit.tensor.Shapes;
import dev.lowbit.tensor.Tensor;

/** Small tensor helpers the backward rules share (broadcast indexing and its adjoint, sums). */
final class GradTensors {
    private GradTensors() {
    }

    /** A new tensor a + b (same shapes). */
    static Tensor sum(Tensor a, Tensor b) {
        float[] x = a.floats(), y = b.floats();
        float[] r = new float[x.length];
        for (int i = 0; i < r.length; i++) {
            r[i] = x[i] + y[i];
        }
        return Tensor.of(r, a.shape());
    }

    static Tensor floatTensor(float[] data, int[] shape) {
        return Tensor.of(data, shape.clone());
    }

    /** The values of {@code t} as floats (the array itself for FLOAT tensors: do not modify). */
    static float[] floats(Tensor t) {
        return t.dtype() == DType.FLOAT ? t.floats() : t.toFloatArray();
    }

    /** For each element of {@code out} (row-major), the flat index of the element of {@code in} broadcast onto it. */
    static int[] broadcastIndex(int[] in, int[] out) {
        int n = Shapes.size(out);
        int[] idx = new int[n];
        if (java.util.Arrays.equals(in, out)) {
            for (int i = 0; i < n; i++) {
                idx[i] = i;
            }
            return idx;
        }
        int[] st = Shapes.broadcastStrides(in, out);
        int rank = out.length;
        int[] c = new int[rank];
        int off = 0;
        for (int i = 0; i < n; i++) {
            idx[i] = off;
            for (int d = rank - 1; d >= 0; d--) {
                c[d]++;
                off += st[d];
                if (c[d] < out[d]) {
                    break;
                }
                off -= st[d] * out[d];
                c[d] = 0;
            }
        }
        return idx;
    }

    /** The adjoint of broadcasting {@code in} to {@code out}: sums {@code g} over the broadcast axes. */
    static Tensor unbroadcast(float[] g, int[] out, int[] in) {
        if (java.util.Arrays.equals(in, out)) {
            return Tensor.of(g, in.clone());
        }
        int[] idx = broadcastIndex(in, out);
        float[] r = new float[Shapes.size(in)];
        for (int i = 0; i < g.length; i++) {
            r[idx[i]] += g[i];
        }
        return Tensor.of(r, in.clone());
    }

    /** Product of dims [from, to). */
    static int prod(int[] shape, int from, int to) {
        int p = 1;
        for (int i = from; i < to; i++) {
            p *= shape[i];
        }
        return p;
    }

    /** A transposed copy: out dim i = in dim perm[i]. */
    static float[] transpose(float[] x, int[] shape, int[] perm) {
        int rank = shape.length;
        int[] st = Shapes.strides(shape);
        int[] outShape = new int[rank];
        int[] ost = new int[rank];
        for (int i = 0; i < rank; i++) {
            outShape[i] = shape[perm[i]];
            ost[i] = st[perm[i]];
        }
        float[] r = new float[x.length];
        int[] c = new int[rank];
        int off = 0;
        for (int i = 0; i < r.length; i++) {
            r[i] = x[off];
            for (int d = rank - 1; d >= 0; d--) {
                c[d]++;
                off += ost[d];
                if (c[d] < outShape[d]) {
                    break;
                }
                off -= ost[d] * outShape[d];
                c[d] = 0;
            }
        }
        return r;
    }
}
