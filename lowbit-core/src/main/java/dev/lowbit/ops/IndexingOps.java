package dev.lowbit.ops;

import dev.lowbit.exec.OpRegistry;
import dev.lowbit.tensor.DType;
import dev.lowbit.tensor.Shapes;
import dev.lowbit.tensor.Tensor;
import dev.lowbit.tensor.kernels.GatherKernels;
import dev.lowbit.tensor.kernels.SliceKernels;

/**
 * Index-driven ops: Gather, GatherElements, GatherND, Slice, Compress. Also registers
 * {@link ScatterOps}, {@link SearchScanOps} (TopK, CumSum, OneHot, NonZero, Trilu) and
 * {@link UniqueReverseOps} (Unique, ReverseSequence), {@link NonMaxSuppressionOps} and
 * {@link LossOps} (class-indexed losses).
 */
public final class IndexingOps implements OpRegistry.Family {
    @Override
    public void register(OpRegistry r) {
        new ScatterOps().register(r);
        new SearchScanOps().register(r);
        new UniqueReverseOps().register(r);
        new NonMaxSuppressionOps().register(r);
        new LossOps().register(r);

        r.register("Gather", ctx -> {
            int axis = (int) ctx.node().getInt("axis", 0);
            return in -> {
                if (in[0].rank() == 0) {
                    throw new IllegalArgumentException("Gather needs data of rank >= 1, got a scalar");
                }
                int a = Shapes.axis(axis, in[0].rank());
                int[] idx = normaliseIndices(in[1], in[0].dim(a));
                return new Tensor[] {GatherKernels.gather(in[0], a, idx, in[1].shapeRef())};
            };
        });
        r.register("GatherElements", ctx -> {
            int axis = (int) ctx.node().getInt("axis", 0);
            return in -> {
                int a = Shapes.axis(axis, in[0].rank());
                if (in[1].rank() != in[0].rank()) {
                    throw new IllegalArgumentException("GatherElements: indices rank differs from data rank");
                }
                int[] idx = normaliseIndices(in[1], in[0].dim(a));
                return new Tensor[] {GatherKernels.gatherElements(in[0], a, idx, in[1].shapeRef())};
            };
        });
        r.register("GatherND", ctx -> {
            int batchDims = (int) ctx.node().getInt("batch_dims", 0);
            return in -> {
                int[] is = in[1].shapeRef();
                int k = is[is.length - 1];
                int[] idx = ShapeUtil.ints(in[1]);
                for (int i = 0; i < idx.length; i++) {
                    int dim = in[0].dim(batchDims + i % k);
                    idx[i] = checkIndex(idx[i], dim);
                }
                return new Tensor[] {GatherKernels.gatherND(in[0], batchDims, idx, is)};
            };
        });
        r.register("Slice", ctx -> {
            if (ctx.opset() < 10) {
                long[] starts = ctx.node().getInts("starts", null);
                long[] ends = ctx.node().getInts("ends", null);
                int[] axes = ctx.node().getIntArray("axes", null);
                if (starts == null || ends == null) {
                    throw ctx.unsupported("Slice without starts/ends attributes");
                }
                return in -> new Tensor[] {slice(in[0], starts, ends, axes, null)};
            }
            return in -> new Tensor[] {slice(in[0], ShapeUtil.longs(in[1]), ShapeUtil.longs(in[2]),
                    ShapeUtil.ints(in.length > 3 ? in[3] : null), ShapeUtil.longs(in.length > 4 ? in[4] : null))};
        });
        r.register("Compress", ctx -> {
            boolean hasAxis = ctx.node().has("axis");
            int axis = (int) ctx.node().getInt("axis", 0);
            return in -> {
                Tensor data = hasAxis ? in[0] : in[0].reshape(in[0].size());
                int a = hasAxis ? Shapes.axis(axis, data.rank()) : 0;
                boolean[] cond = in[1].bools();
                int dim = data.dim(a);
                int n = 0;
                for (int i = 0; i < Math.min(cond.length, dim); i++) {
                    n += cond[i] ? 1 : 0;
                }
                int[] idx = new int[n];
                for (int i = 0, j = 0; i < Math.min(cond.length, dim); i++) {
                    if (cond[i]) {
                        idx[j++] = i;
                    }
                }
                return new Tensor[] {GatherKernels.gather(data, a, idx, new int[] {n})};
            };
        });
    }

    static Tensor slice(Tensor in, long[] starts, long[] ends, int[] axes, long[] steps) {
        if (starts.length != ends.length) {
            throw new IllegalArgumentException("Slice: starts and ends differ in length");
        }
        int[] ax = axes;
        if (ax == null) {
            ax = new int[starts.length];
            for (int i = 0; i < ax.length; i++) {
                ax[i] = i;
            }
        }
        return SliceKernels.slice(in, starts, ends, ShapeUtil.axes(ax, in.rank()), steps);
    }

    /** Index tensor to ints in [0, dim): negatives wrap once, anything else out of range throws. */
    static int[] normaliseIndices(Tensor indices, int dim) {
        if (indices.dtype() != DType.INT64 && indices.dtype() != DType.INT32) {
            throw new IllegalArgumentException("indices must be int32 or int64, got " + indices.dtype().onnxName());
        }
        int[] idx = ShapeUtil.ints(indices);
        for (int i = 0; i < idx.length; i++) {
            idx[i] = checkIndex(idx[i], dim);
        }
        return idx;
    }

    static int checkIndex(int v, int dim) {
        int w = v < 0 ? v + dim : v;
        if (w < 0 || w >= dim) {
            throw new IllegalArgumentException("index " + v + " out of range for dimension " + dim);
        }
        return w;
    }
}
