package dev.lowbit.ops;

import dev.lowbit.tensor.BufferPool;
import dev.lowbit.tensor.DType;
import dev.lowbit.tensor.Tensor;
import dev.lowbit.tensor.kernels.Gemm;
import dev.lowbit.tensor.kernels.TransposeKernels;
import java.util.ArrayList;
import java.util.List;

/**
 * The fast path of {@link EinsumOps} for two float operands: every label is a batch label (both
 * operands and the output), an M label (first operand and output), an N label (second operand and
 * output) or a contracted K label (both operands, not the output). The operands are transposed to
 * [B, M, K] and [B, K, N], multiplied with the GEMM kernel, and the [B, M, N] result is
 * transposed to the output order. Anything else (diagonals, broadcasting, labels summed out of a
 * single operand) returns null and takes the general loop.
 */
final class EinsumMatmul {
    private EinsumMatmul() {
    }

    static Tensor tryRun(EinsumOps.Parsed p, Tensor[] in) {
        if (in.length != 2 || in[0].dtype() != DType.FLOAT || in[1].dtype() != DType.FLOAT) {
            return null;
        }
        int[] a = p.operands()[0];
        int[] b = p.operands()[1];
        int[] out = p.output();
        if (!distinct(a) || !distinct(b) || !distinct(out)) {
            return null;
        }
        List<Integer> batch = new ArrayList<>();
        List<Integer> m = new ArrayList<>();
        List<Integer> n = new ArrayList<>();
        List<Integer> k = new ArrayList<>();
        for (int l : out) {
            boolean inA = indexOf(a, l) >= 0;
            boolean inB = indexOf(b, l) >= 0;
            if (inA && inB) {
                if (in[0].dim(indexOf(a, l)) != in[1].dim(indexOf(b, l))) {
                    return null;
                }
                batch.add(l);
            } else if (inA) {
                m.add(l);
            } else if (inB) {
                n.add(l);
            } else {
                return null;
            }
        }
        for (int l : a) {
            if (indexOf(out, l) < 0) {
                if (indexOf(b, l) < 0 || in[0].dim(indexOf(a, l)) != in[1].dim(indexOf(b, l))) {
                    return null;
                }
                k.add(l);
            }
        }
        for (int l : b) {
            if (indexOf(out, l) < 0 && indexOf(a, l) < 0) {
                return null;
            }
        }
        int bs = product(in[0], a, batch);
        int ms = product(in[0], a, m);
        int ks = product(in[0], a, k);
        int ns = product(in[1], b, n);
        float[] at = TransposeKernels.transpose(in[0], perm(a, batch, m, k)).floats();
        float[] bt = TransposeKernels.transpose(in[1], perm(b, batch, k, n)).floats();
        float[] c = BufferPool.floats(bs * ms * ns);
        for (int i = 0; i < bs; i++) {
            Gemm.gemm(false, false, ms, ns, ks, 1f, at, i * ms * ks, ks, bt, i * ks * ns, ns, 0f, c, i * ms * ns, ns);
        }
        // c is laid out as [batch labels, m labels, n labels]; permute to the output's label order
        List<Integer> cLabels = new ArrayList<>(batch);
        cLabels.addAll(m);
        cLabels.addAll(n);
        int[] cShape = new int[cLabels.size()];
        for (int i = 0; i < cShape.length; i++) {
            int l = cLabels.get(i);
            cShape[i] = indexOf(a, l) >= 0 ? in[0].dim(indexOf(a, l)) : in[1].dim(indexOf(b, l));
        }
        int[] outPerm = new int[out.length];
        for (int i = 0; i < out.length; i++) {
            outPerm[i] = cLabels.indexOf(out[i]);
        }
        return TransposeKernels.transpose(Tensor.of(c, cShape), outPerm);
    }

    @SafeVarargs
    private static int[] perm(int[] labels, List<Integer>... groups) {
        int[] perm = new int[labels.length];
        int at = 0;
        for (List<Integer> g : groups) {
            for (int l : g) {
                perm[at++] = indexOf(labels, l);
            }
        }
        return perm;
    }

    private static int product(Tensor t, int[] labels, List<Integer> group) {
        int p = 1;
        for (int l : group) {
            p *= t.dim(indexOf(labels, l));
        }
        return p;
    }

    private static boolean distinct(int[] v) {
        for (int i = 0; i < v.length; i++) {
            if (indexOf(v, v[i]) != i) {
                return false;
            }
        }
        return true;
    }

    private static int indexOf(int[] v, int x) {
        for (int i = 0; i < v.length; i++) {
            if (v[i] == x) {
                return i;
            }
        }
        return -1;
    }
}
