package dev.lowbit.tensor.kernels;

import dev.lowbit.tensor.Parallel;
import dev.lowbit.tensor.Shapes;
import dev.lowbit.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;

/**
 * Axis permutation. Axes that stay adjacent are merged and size-1 axes dropped first, so many
 * permutations collapse to a batched 2-D transpose (NCHW to NHWC is [N, C, HW] to [N, HW, C]),
 * which runs cache-blocked for floats; everything else is one strided copy.
 */
public final class TransposeKernels {
    private static final int BLOCK = 32;

    private TransposeKernels() {
    }

    /** The output of permuting {@code in}'s axes by {@code perm} (output axis i = input axis perm[i]). */
    public static Tensor transpose(Tensor in, int[] perm) {
        int[] shape = in.shapeRef();
        int rank = shape.length;
        int[] outShape = new int[rank];
        for (int i = 0; i < rank; i++) {
            outShape[i] = shape[perm[i]];
        }
        Tensor out = Tensor.zeros(in.dtype(), outShape);
        if (in.size() == 0) {
            return out;
        }
        // Collapse: drop size-1 axes, then merge runs of input axes that stay consecutive.
        List<Integer> kept = new ArrayList<>();
        for (int p : perm) {
            if (shape[p] != 1) {
                kept.add(p);
            }
        }
        List<int[]> groups = new ArrayList<>(); // each: {first input axis, last input axis}, in output order
        for (int p : kept) {
            int[] last = groups.isEmpty() ? null : groups.get(groups.size() - 1);
            if (last != null && nextKept(shape, last[1]) == p) {
                last[1] = p;
            } else {
                groups.add(new int[] {p, p});
            }
        }
        int g = groups.size();
        // sizes of groups in input order
        int[] order = new int[g]; // input-order rank of each output group
        for (int i = 0; i < g; i++) {
            int rankInInput = 0;
            for (int j = 0; j < g; j++) {
                if (groups.get(j)[0] < groups.get(i)[0]) {
                    rankInInput++;
                }
            }
            order[i] = rankInInput;
        }
        int[] inDims = new int[g];
        for (int i = 0; i < g; i++) {
            int size = 1;
            for (int a = groups.get(i)[0]; a <= groups.get(i)[1]; a++) {
                size *= shape[a];
            }
            inDims[order[i]] = size;
        }
        boolean identity = true;
        for (int i = 0; i < g; i++) {
            identity &= order[i] == i;
        }
        if (identity) {
            System.arraycopy(in.data(), 0, out.data(), 0, in.size());
            return out;
        }
        if (in.data() instanceof float[] src) {
            float[] dst = out.floats();
            if (g == 2) {
                batched2d(src, dst, 1, inDims[0], inDims[1]);
                return out;
            }
            if (g == 3 && order[0] == 0 && order[1] == 2 && order[2] == 1) {
                batched2d(src, dst, inDims[0], inDims[1], inDims[2]);
                return out;
            }
        }
        if (in.data() instanceof byte[] src && (g == 2 || (g == 3 && order[0] == 0 && order[1] == 2 && order[2] == 1))) {
            // int8/uint8 activations of quantized models take the same blocked path
            if (g == 2) {
                batched2d(src, out.bytes(), 1, inDims[0], inDims[1]);
            } else {
                batched2d(src, out.bytes(), inDims[0], inDims[1], inDims[2]);
            }
            return out;
        }
        int[] inStrides = Shapes.strides(inDims);
        int[] collapsedOut = new int[g];
        int[] srcStrides = new int[g];
        for (int i = 0; i < g; i++) {
            collapsedOut[i] = inDims[order[i]];
            srcStrides[i] = inStrides[order[i]];
        }
        CopyKernels.stridedCopy(in.data(), 0, srcStrides, out.data(), collapsedOut);
        return out;
    }

    private static int nextKept(int[] shape, int axis) {
        for (int a = axis + 1; a < shape.length; a++) {
            if (shape[a] != 1) {
                return a;
            }
        }
        return -1;
    }

    /** For each of {@code batch} matrices of rows x cols: dst[b][c][r] = src[b][r][c], blocked for cache. */
    public static void batched2d(float[] src, float[] dst, int batch, int rows, int cols) {
        int tilesR = (rows + BLOCK - 1) / BLOCK;
        int plane = rows * cols;
        Parallel.forRange(batch * tilesR, Math.max(1, 4096 / Math.max(1, cols)), (t0, t1) -> {
            for (int t = t0; t < t1; t++) {
                int b = t / tilesR;
                int r0 = (t % tilesR) * BLOCK;
                int r1 = Math.min(rows, r0 + BLOCK);
                int base = b * plane;
                for (int c0 = 0; c0 < cols; c0 += BLOCK) {
                    int c1 = Math.min(cols, c0 + BLOCK);
                    for (int r = r0; r < r1; r++) {
                        int s = base + r * cols;
                        for (int c = c0; c < c1; c++) {
                            dst[base + c * rows + r] = src[s + c];
                        }
                    }
                }
            }
        });
    }

    /** The byte twin of {@link #batched2d(float[], float[], int, int, int)}. */
    public static void batched2d(byte[] src, byte[] dst, int batch, int rows, int cols) {
        int tilesR = (rows + BLOCK - 1) / BLOCK;
        int plane = rows * cols;
        Parallel.forRange(batch * tilesR, Math.max(1, 4096 / Math.max(1, cols)), (t0, t1) -> {
            for (int t = t0; t < t1; t++) {
                int b = t / tilesR;
                int r0 = (t % tilesR) * BLOCK;
                int r1 = Math.min(rows, r0 + BLOCK);
                int base = b * plane;
                for (int c0 = 0; c0 < cols; c0 += BLOCK) {
                    int c1 = Math.min(cols, c0 + BLOCK);
                    for (int r = r0; r < r1; r++) {
                        int s = base + r * cols;
                        for (int c = c0; c < c1; c++) {
                            dst[base + c * rows + r] = src[s + c];
                        }
                    }
                }
            }
        });
    }

    /** Naive reference: element-by-element index arithmetic, for tests. */
    public static Tensor reference(Tensor in, int[] perm) {
        int[] shape = in.shapeRef();
        int rank = shape.length;
        int[] outShape = new int[rank];
        for (int i = 0; i < rank; i++) {
            outShape[i] = shape[perm[i]];
        }
        Tensor out = Tensor.zeros(in.dtype(), outShape);
        int[] inStrides = Shapes.strides(shape);
        int[] idx = new int[rank];
        for (int o = 0; o < out.size(); o++) {
            int rem = o;
            for (int d = rank - 1; d >= 0; d--) {
                idx[d] = rem % outShape[d];
                rem /= outShape[d];
            }
            int s = 0;
            for (int d = 0; d < rank; d++) {
                s += idx[d] * inStrides[perm[d]];
            }
            System.arraycopy(in.data(), s, out.data(), o, 1);
        }
        return out;
    }
}
