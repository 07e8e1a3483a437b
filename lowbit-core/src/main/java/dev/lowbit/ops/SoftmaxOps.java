package dev.lowbit.ops;

import dev.lowbit.exec.OpContext;
import dev.lowbit.exec.OpRegistry;
import dev.lowbit.UnsupportedOpException;
import dev.lowbit.tensor.DType;
import dev.lowbit.tensor.Shapes;
import dev.lowbit.tensor.Tensor;
import dev.lowbit.tensor.kernels.SoftmaxKernels;

/**
 * Softmax, LogSoftmax and Hardmax. Before opset 13 the input is coerced to 2-D at {@code axis}
 * (default 1) and each row of the flattened tail is normalised; from 13 on the op runs along the
 * single axis {@code axis} (default -1). Both views are {@code [outer, len, inner]} blocks.
 */
final class SoftmaxOps implements OpRegistry.Family {
    private enum Mode { SOFTMAX, LOG_SOFTMAX, HARDMAX }

    @Override
    public void register(OpRegistry r) {
        r.register("Softmax", ctx -> create(ctx, Mode.SOFTMAX));
        r.register("LogSoftmax", ctx -> create(ctx, Mode.LOG_SOFTMAX));
        r.register("Hardmax", ctx -> create(ctx, Mode.HARDMAX));
    }

    private static dev.lowbit.exec.Op create(OpContext ctx, Mode mode) {
        boolean coerce2d = ctx.opset() < 13;
        int axisAttr = (int) ctx.node().getInt("axis", coerce2d ? 1 : -1);
        return in -> {
            Tensor x = in[0];
            int[] shape = x.shapeRef();
            int rank = shape.length;
            int axis = rank == 0 ? 0 : Shapes.axis(axisAttr, rank);
            int outer = 1;
            for (int i = 0; i < axis; i++) {
                outer *= shape[i];
            }
            int len = 1;
            int inner = 1;
            if (coerce2d) {
                for (int i = axis; i < rank; i++) {
                    len *= shape[i];
                }
            } else {
                len = rank == 0 ? 1 : shape[axis];
                for (int i = axis + 1; i < rank; i++) {
                    inner *= shape[i];
                }
            }
            return new Tensor[] {compute(x, mode, outer, len, inner)};
        };
    }

    private static Tensor compute(Tensor x, Mode mode, int outer, int len, int inner) {
        DType t = x.dtype();
        if (mode == Mode.HARDMAX) {
            if (!t.isFloatingPoint()) {
                throw new UnsupportedOpException("Hardmax: unsupported data type " + t.onnxName());
            }
            return hardmax(x, outer, len, inner);
        }
        if (t == DType.FLOAT) {
            return Tensor.wrap(DType.FLOAT, x.shapeRef(),
                    SoftmaxKernels.apply(x.floats(), outer, len, inner, mode == Mode.LOG_SOFTMAX));
        }
        if (!t.isFloatingPoint()) {
            throw new UnsupportedOpException(mode + ": unsupported data type " + t.onnxName());
        }
        double[] v = new double[x.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = x.getDouble(i);
        }
        double[] r = SoftmaxKernels.referenceDouble(v, outer, len, inner, mode == Mode.LOG_SOFTMAX);
        Tensor out = Tensor.zeros(t, x.shapeRef());
        for (int i = 0; i < r.length; i++) {
            out.setDouble(i, r[i]);
        }
        return out;
    }

    /** 1 at the first maximum of each slice, 0 elsewhere. */
    private static Tensor hardmax(Tensor x, int outer, int len, int inner) {
        Tensor out = Tensor.zeros(x.dtype(), x.shapeRef());
        for (int o = 0; o < outer; o++) {
            for (int j = 0; j < inner; j++) {
                int base = o * len * inner + j;
                int best = -1;
                double max = 0;
                for (int l = 0; l < len; l++) {
                    double v = x.getDouble(base + l * inner);
                    if (best < 0 || v > max) {
                        best = l;
                        max = v;
                    }
                }
                if (best >= 0) {
                    out.setDouble(base + best * inner, 1);
                }
            }
        }
        return out;
    }
}
