package dev.lowbit.ops;

import dev.lowbit.exec.OpContext;
import dev.lowbit.exec.OpRegistry;
import dev.lowbit.UnsupportedOpException;
import dev.lowbit.tensor.DType;
import dev.lowbit.tensor.Shapes;
import dev.lowbit.tensor.Tensor;
import dev.lowbit.tensor.kernels.ReduceKernels;
import dev.lowbit.tensor.kernels.ReduceKernels.Kind;

/**
 * Reduce* ops and ArgMax/ArgMin. The axes are an attribute before opset 13 (ReduceSum) or 18
 * (the others) and an optional int64 input after; with no axes every axis is reduced unless
 * {@code noop_with_empty_axes} is set, in which case the input passes through.
 */
public final class ReduceOps implements OpRegistry.Family {
    @Override
    public void register(OpRegistry r) {
        reduce(r, "ReduceSum", Kind.SUM, 13);
        reduce(r, "ReduceMean", Kind.MEAN, 18);
        reduce(r, "ReduceMax", Kind.MAX, 18);
        reduce(r, "ReduceMin", Kind.MIN, 18);
        reduce(r, "ReduceProd", Kind.PROD, 18);
        reduce(r, "ReduceL1", Kind.L1, 18);
        reduce(r, "ReduceL2", Kind.L2, 18);
        reduce(r, "ReduceLogSum", Kind.LOG_SUM, 18);
        reduce(r, "ReduceLogSumExp", Kind.LOG_SUM_EXP, 18);
        reduce(r, "ReduceSumSquare", Kind.SUM_SQUARE, 18);
        r.register("ArgMax", ctx -> arg(ctx, true));
        r.register("ArgMin", ctx -> arg(ctx, false));
    }

    private static void reduce(OpRegistry r, String name, Kind kind, int axesInputSince) {
        r.register(name, ctx -> {
            boolean keepdims = ctx.node().getInt("keepdims", 1) != 0;
            boolean noop = ctx.node().getInt("noop_with_empty_axes", 0) != 0;
            boolean axesAsInput = ctx.opset() >= axesInputSince;
            long[] attrAxes = axesAsInput ? null : ctx.node().getInts("axes", null);
            if (axesAsInput && ctx.node().has("axes")) {
                throw ctx.unsupported("axes attribute (an input from opset " + axesInputSince + ")");
            }
            return in -> {
                Tensor x = in[0];
                long[] axes = attrAxes;
                if (axesAsInput && in.length > 1 && in[1] != null) {
                    axes = in[1].toLongArray();
                }
                if ((axes == null || axes.length == 0) && noop) {
                    return new Tensor[] {x};
                }
                DType t = x.dtype();
                if (!(t.isFloatingPoint() || t.isInteger())) {
                    throw new UnsupportedOpException(name + ": unsupported data type " + t.onnxName());
                }
                boolean[] reduced = reducedAxes(axes, x.rank());
                return new Tensor[] {ReduceKernels.reduce(kind, x, reduced, keepdims)};
            };
        });
    }

    /** Marks the reduced axes; null or empty means all of them. */
    static boolean[] reducedAxes(long[] axes, int rank) {
        boolean[] reduced = new boolean[rank];
        if (axes == null || axes.length == 0) {
            java.util.Arrays.fill(reduced, true);
            return reduced;
        }
        for (long a : axes) {
            reduced[Shapes.axis(Math.toIntExact(a), rank)] = true;
        }
        return reduced;
    }

    private static dev.lowbit.exec.Op arg(OpContext ctx, boolean max) {
        int axisAttr = (int) ctx.node().getInt("axis", 0);
        boolean keepdims = ctx.node().getInt("keepdims", 1) != 0;
        boolean last = ctx.node().getInt("select_last_index", 0) != 0;
        return in -> {
            Tensor x = in[0];
            if (!(x.dtype().isFloatingPoint() || x.dtype().isInteger())) {
                throw new UnsupportedOpException("ArgMax/ArgMin: unsupported data type " + x.dtype().onnxName());
            }
            int[] shape = x.shapeRef();
            int axis = Shapes.axis(axisAttr, shape.length);
            int outer = 1;
            for (int i = 0; i < axis; i++) {
                outer *= shape[i];
            }
            int len = shape[axis];
            int inner = x.size() / Math.max(1, outer * len);
            if (len == 0) {
                throw new IllegalArgumentException("ArgMax/ArgMin over an empty axis");
            }
            long[] out = new long[outer * inner];
            boolean ints = x.dtype().isInteger() && x.dtype() != DType.UINT64;
            for (int o = 0; o < outer; o++) {
                for (int j = 0; j < inner; j++) {
                    int base = o * len * inner + j;
                    int best = 0;
                    for (int l = 1; l < len; l++) {
                        int i = base + l * inner;
                        int b = base + best * inner;
                        int cmp = ints ? Long.compare(x.getLong(i), x.getLong(b)) : Double.compare(x.getDouble(i), x.getDouble(b));
                        if (!max) {
                            cmp = -cmp;
                        }
                        if (cmp > 0 || cmp == 0 && last) {
                            best = l;
                        }
                    }
                    out[o * inner + j] = best;
                }
            }
            int[] outShape = ReduceKernels.reducedShape(shape, singleAxis(axis, shape.length), keepdims);
            return new Tensor[] {Tensor.of(out, outShape)};
        };
    }

    private static boolean[] singleAxis(int axis, int rank) {
        boolean[] b = new boolean[rank];
        b[axis] = true;
        return b;
    }
}
