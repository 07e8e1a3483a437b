package dev.lowbit.ops;

import dev.lowbit.exec.OpRegistry;
import dev.lowbit.tensor.Shapes;
import dev.lowbit.tensor.Tensor;
import java.util.Arrays;

/** Concat and Split: block copies along one axis with {@link System#arraycopy}. */
public final class ConcatSplitOps implements OpRegistry.Family {
    @Override
    public void register(OpRegistry r) {
        r.register("Concat", ctx -> {
            if (!ctx.node().has("axis")) {
                throw ctx.unsupported("Concat without axis");
            }
            int axis = (int) ctx.node().getInt("axis", 0);
            return in -> new Tensor[] {concat(in, axis)};
        });
        r.register("Split", ctx -> {
            int axis = (int) ctx.node().getInt("axis", 0);
            int outputs = ctx.node().outputs().size();
            int[] attrSplit = ctx.opset() < 13 ? ctx.node().getIntArray("split", null) : null;
            long numOutputs = ctx.node().getInt("num_outputs", 0);
            if (numOutputs > 0 && numOutputs != outputs) {
                throw ctx.unsupported("Split num_outputs " + numOutputs + " but " + outputs + " outputs");
            }
            return in -> {
                int[] split = ctx.opset() < 13 ? attrSplit : ShapeUtil.ints(in.length > 1 ? in[1] : null);
                return split(in[0], axis, split, outputs);
            };
        });
    }

    static Tensor concat(Tensor[] in, int axis) {
        Tensor first = in[0];
        int rank = first.rank();
        int a = Shapes.axis(axis, rank);
        int[] outShape = first.shape();
        int total = 0;
        for (Tensor t : in) {
            if (t.rank() != rank || t.dtype() != first.dtype()) {
                throw new IllegalArgumentException("Concat: " + t + " does not match " + first);
            }
            for (int d = 0; d < rank; d++) {
                if (d != a && t.dim(d) != outShape[d]) {
                    throw new IllegalArgumentException("Concat: shapes " + Arrays.toString(t.shapeRef()) + " and "
                            + Arrays.toString(first.shapeRef()) + " differ off axis " + a);
                }
            }
            total += t.dim(a);
        }
        outShape[a] = total;
        Tensor out = Tensor.zeros(first.dtype(), outShape);
        int outer = ShapeUtil.product(outShape, 0, a);
        int inner = ShapeUtil.product(outShape, a + 1, rank);
        int outRow = total * inner;
        int offset = 0;
        for (Tensor t : in) {
            int block = t.dim(a) * inner;
            if (block > 0) {
                for (int o = 0; o < outer; o++) {
                    System.arraycopy(t.data(), o * block, out.data(), o * outRow + offset, block);
                }
            }
            offset += block;
        }
        return out;
    }

    /** Splits along {@code axis} by {@code split} sizes, or into {@code outputs} parts (last smaller). */
    static Tensor[] split(Tensor t, int axis, int[] split, int outputs) {
        int rank = t.rank();
        int a = Shapes.axis(axis, rank);
        int dim = t.dim(a);
        if (split == null) {
            split = new int[outputs];
            int chunk = (dim + outputs - 1) / outputs;
            for (int i = 0; i < outputs; i++) {
                split[i] = Math.max(0, Math.min(chunk, dim - i * chunk));
            }
        }
        if (Arrays.stream(split).sum() != dim) {
            throw new IllegalArgumentException("Split: sizes " + Arrays.toString(split) + " do not sum to " + dim);
        }
        int outer = ShapeUtil.product(t.shapeRef(), 0, a);
        int inner = ShapeUtil.product(t.shapeRef(), a + 1, rank);
        Tensor[] out = new Tensor[split.length];
        int offset = 0;
        for (int i = 0; i < split.length; i++) {
            int[] s = t.shape();
            s[a] = split[i];
            out[i] = Tensor.zeros(t.dtype(), s);
            int block = split[i] * inner;
            if (block > 0) {
                for (int o = 0; o < outer; o++) {
                    System.arraycopy(t.data(), o * dim * inner + offset, out[i].data(), o * block, block);
                }
            }
            offset += block;
        }
        return out;
    }
}
