package dev.lowbit.ops;

import dev.lowbit.exec.OpRegistry;
import dev.lowbit.UnsupportedOpException;
import dev.lowbit.tensor.DType;
import dev.lowbit.tensor.Shapes;
import dev.lowbit.tensor.Tensor;

/** Scatter (opset 9-10), ScatterElements and ScatterND with reduction none/add/mul/max/min. */
public final class ScatterOps implements OpRegistry.Family {
    /** How an update combines with the value already there. */
    enum Reduction {
        NONE, ADD, MUL, MAX, MIN;

        static Reduction parse(String s) {
            return switch (s) {
                case "none" -> NONE;
                case "add" -> ADD;
                case "mul" -> MUL;
                case "max" -> MAX;
                case "min" -> MIN;
                default -> null;
            };
        }
    }

    @Override
    public void register(OpRegistry r) {
        r.register("Scatter", ctx -> {
            int axis = (int) ctx.node().getInt("axis", 0);
            return in -> new Tensor[] {scatterElements(in[0], in[1], in[2], axis, Reduction.NONE)};
        });
        r.register("ScatterElements", ctx -> {
            int axis = (int) ctx.node().getInt("axis", 0);
            Reduction red = Reduction.parse(ctx.node().getString("reduction", "none"));
            if (red == null) {
                throw ctx.unsupported("ScatterElements reduction " + ctx.node().getString("reduction", ""));
            }
            return in -> new Tensor[] {scatterElements(in[0], in[1], in[2], axis, red)};
        });
        r.register("ScatterND", ctx -> {
            Reduction red = Reduction.parse(ctx.node().getString("reduction", "none"));
            if (red == null) {
                throw ctx.unsupported("ScatterND reduction " + ctx.node().getString("reduction", ""));
            }
            return in -> new Tensor[] {scatterND(in[0], in[1], in[2], red)};
        });
    }

    static Tensor scatterElements(Tensor data, Tensor indices, Tensor updates, int axis, Reduction red) {
        int rank = data.rank();
        int a = Shapes.axis(axis, rank);
        checkReducible(data, red);
        Tensor out = data.copy();
        int[] idx = IndexingOps.normaliseIndices(indices, data.dim(a));
        int[] is = indices.shapeRef();
        int[] ds = Shapes.strides(data.shapeRef());
        int[] pos = new int[rank];
        for (int i = 0; i < idx.length; i++) {
            int off = 0;
            for (int d = 0; d < rank; d++) {
                off += (d == a ? idx[i] : pos[d]) * ds[d];
            }
            apply(out, off, updates, i, red);
            for (int d = rank - 1; d >= 0; d--) {
                if (++pos[d] < is[d]) {
                    break;
                }
                pos[d] = 0;
            }
        }
        return out;
    }

    static Tensor scatterND(Tensor data, Tensor indices, Tensor updates, Reduction red) {
        checkReducible(data, red);
        Tensor out = data.copy();
        int[] is = indices.shapeRef();
        int k = is[is.length - 1];
        int[] dShape = data.shapeRef();
        int[] ds = Shapes.strides(dShape);
        int block = ShapeUtil.product(dShape, k, dShape.length);
        int[] idx = ShapeUtil.ints(indices);
        int tuples = ShapeUtil.product(is, 0, is.length - 1);
        for (int t = 0; t < tuples; t++) {
            int off = 0;
            for (int j = 0; j < k; j++) {
                off += IndexingOps.checkIndex(idx[t * k + j], dShape[j]) * ds[j];
            }
            if (red == Reduction.NONE) {
                System.arraycopy(updates.data(), t * block, out.data(), off, block);
            } else {
                for (int e = 0; e < block; e++) {
                    apply(out, off + e, updates, t * block + e, red);
                }
            }
        }
        return out;
    }

    private static void checkReducible(Tensor data, Reduction red) {
        if (red != Reduction.NONE && (data.dtype() == DType.STRING || data.dtype() == DType.BOOL)) {
            throw new UnsupportedOpException("Scatter reduction " + red + " on " + data.dtype().onnxName());
        }
    }

    private static void apply(Tensor out, int o, Tensor upd, int u, Reduction red) {
        if (red == Reduction.NONE) {
            System.arraycopy(upd.data(), u, out.data(), o, 1);
        } else if (out.dtype().isFloatingPoint()) {
            double x = out.getDouble(o), y = upd.getDouble(u);
            out.setDouble(o, switch (red) {
                case ADD -> x + y;
                case MUL -> x * y;
                case MAX -> Math.max(x, y);
                default -> Math.min(x, y);
            });
        } else {
            long x = out.getLong(o), y = upd.getLong(u);
            boolean unsigned = out.dtype() == DType.UINT64;
            out.setLong(o, switch (red) {
                case ADD -> x + y;
                case MUL -> x * y;
                case MAX -> unsigned ? (Long.compareUnsigned(x, y) >= 0 ? x : y) : Math.max(x, y);
                default -> unsigned ? (Long.compareUnsigned(x, y) <= 0 ? x : y) : Math.min(x, y);
            });
        }
    }
}
