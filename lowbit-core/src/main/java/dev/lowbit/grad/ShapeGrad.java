package dev.lowbit.grad;

import dev.lowbit.tensor.Shapes;
import dev.lowbit.tensor.Tensor;

/**
 * Data movement: Identity, Dropout (inference), Flatten, Reshape, Squeeze, Unsqueeze (the gradient is
 * the output gradient in the input's shape), Transpose (inverse permutation), Concat (split the
 * gradient), Split (concatenate the gradients), Slice (scatter the gradient into zeros).
 */
final class ShapeGrad implements GradRegistry.Family {
    @Override
    public void register(GradRegistry r) {
        for (String op : new String[] {"Identity", "Dropout", "Flatten", "Reshape", "Squeeze", "Unsqueeze"}) {
            r.register(op, ShapeGrad::reshape);
        }
        r.register("Transpose", ShapeGrad::transpose);
        r.register("Concat", ShapeGrad::concat);
        r.register("Split", ShapeGrad::split);
        r.register("Slice", ShapeGrad::slice);
    }

    private static Tensor[] reshape(GradOp.Saved s, Tensor[] dOut, boolean[] need) {
        Tensor[] r = new Tensor[need.length];
        r[0] = Tensor.of(dOut[0].floats(), s.input(0).shape());
        return r;
    }

    private static Tensor[] transpose(GradOp.Saved s, Tensor[] dOut, boolean[] need) {
        int rank = s.input(0).rank();
        int[] perm = s.node().getIntArray("perm", null);
        if (perm == null) {
            perm = new int[rank];
            for (int i = 0; i < rank; i++) {
                perm[i] = rank - 1 - i;
            }
        }
        int[] inverse = new int[rank];
        for (int i = 0; i < rank; i++) {
            inverse[perm[i]] = i;
        }
        float[] dx = GradTensors.transpose(dOut[0].floats(), dOut[0].shapeRef(), inverse);
        return new Tensor[] {Tensor.of(dx, s.input(0).shape())};
    }

    /** Copies blocks along {@code axis}: from (true) the big tensor into the parts, or back. */
    private static void moveBlocks(float[] big, int[] bigShape, int axis, Tensor[] parts, float[][] partData,
            boolean toParts) {
        int outer = GradTensors.prod(bigShape, 0, axis), inner = GradTensors.prod(bigShape, axis + 1, bigShape.length);
        int offset = 0;
        for (int p = 0; p < parts.length; p++) {
            int len = parts[p].dim(axis) * inner;
            for (int o = 0; o < outer; o++) {
                int b = o * bigShape[axis] * inner + offset;
                if (toParts) {
                    System.arraycopy(big, b, partData[p], o * len, len);
                } else {
                    System.arraycopy(partData[p], o * len, big, b, len);
                }
            }
            offset += len;
        }
    }

    private static Tensor[] concat(GradOp.Saved s, Tensor[] dOut, boolean[] need) {
        Tensor y = s.outputs()[0];
        int axis = Shapes.axis((int) s.node().getInt("axis", 1), y.rank());
        Tensor[] ins = s.inputs();
        float[][] parts = new float[ins.length][];
        for (int i = 0; i < ins.length; i++) {
            parts[i] = new float[ins[i].size()];
        }
        moveBlocks(dOut[0].floats(), y.shapeRef(), axis, ins, parts, true);
        Tensor[] r = new Tensor[ins.length];
        for (int i = 0; i < ins.length; i++) {
            r[i] = need[i] ? Tensor.of(parts[i], ins[i].shape()) : null;
        }
        return r;
    }

    private static Tensor[] split(GradOp.Saved s, Tensor[] dOut, boolean[] need) {
        Tensor x = s.input(0);
        int axis = Shapes.axis((int) s.node().getInt("axis", 0), x.rank());
        float[][] parts = new float[dOut.length][];
        for (int i = 0; i < dOut.length; i++) {
            parts[i] = dOut[i].floats();
        }
        float[] dx = new float[x.size()];
        moveBlocks(dx, x.shapeRef(), axis, s.outputs(), parts, false);
        Tensor[] r = new Tensor[need.length];
        r[0] = Tensor.of(dx, x.shape());
        return r;
    }

    private static Tensor[] slice(GradOp.Saved s, Tensor[] dOut, boolean[] need) {
        Tensor x = s.input(0), y = s.outputs()[0];
        int rank = x.rank();
        int[] starts, axes, steps = null;
        if (s.opset() < 10) {
            starts = s.node().getIntArray("starts", null);
            axes = s.node().getIntArray("axes", null);
        } else {
            starts = ints(s.input(1));
            axes = s.input(3) == null ? null : ints(s.input(3));
            steps = s.input(4) == null ? null : ints(s.input(4));
        }
        int[] start = new int[rank], step = new int[rank];
        java.util.Arrays.fill(step, 1);
        for (int i = 0; i < starts.length; i++) {
            int a = axes == null ? i : Shapes.axis(axes[i], rank);
            int d = x.dim(a);
            step[a] = steps == null ? 1 : steps[i];
            long st = starts[i] < 0 ? (long) starts[i] + d : starts[i];
            start[a] = (int) (step[a] > 0 ? Math.max(0, Math.min(d, st)) : Math.max(0, Math.min(d - 1, st)));
        }
        int[] xst = Shapes.strides(x.shapeRef());
        int[] yShape = y.shapeRef();
        float[] g = dOut[0].floats(), dx = new float[x.size()];
        int[] c = new int[rank];
        for (int i = 0; i < g.length; i++) {
            int off = 0;
            for (int d = 0; d < rank; d++) {
                off += (start[d] + c[d] * step[d]) * xst[d];
            }
            dx[off] += g[i];
            for (int d = rank - 1; d >= 0; d--) {
                if (++c[d] < yShape[d]) {
                    break;
                }
                c[d] = 0;
            }
        }
        Tensor[] r = new Tensor[need.length];
        r[0] = Tensor.of(dx, x.shape());
        return r;
    }

    private static int[] ints(Tensor t) {
        long[] v = t.toLongArray();
        int[] r = new int[v.length];
        for (int i = 0; i < v.length; i++) {
            r[i] = (int) Math.max(Integer.MIN_VALUE, Math.min(Integer.MAX_VALUE, v[i]));
        }
        return r;
    }
}
