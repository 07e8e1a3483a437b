package dev.lowbit.tensor.kernels;

import dev.lowbit.tensor.Shapes;
import dev.lowbit.tensor.Tensor;

/** Slice with ONNX clamping rules, executed as one strided copy. */
public final class SliceKernels {
    private SliceKernels() {
    }

    /**
     * Slices {@code in}; {@code starts}, {@code ends}, {@code steps} are per listed axis (axes already
     * normalised). Out-of-range starts/ends clamp; negative steps walk backwards.
     */
    public static Tensor slice(Tensor in, long[] starts, long[] ends, int[] axes, long[] steps) {
        int[] shape = in.shapeRef();
        int rank = shape.length;
        long[] st = new long[rank];
        long[] sp = new long[rank];
        int[] count = shape.clone();
        for (int d = 0; d < rank; d++) {
            sp[d] = 1;
        }
        for (int i = 0; i < axes.length; i++) {
            int a = axes[i];
            long dim = shape[a];
            long step = steps == null ? 1 : steps[i];
            if (step == 0) {
                throw new IllegalArgumentException("Slice: step 0 on axis " + a);
            }
            long s = starts[i], e = ends[i];
            if (s < 0) {
                s += dim;
            }
            if (e < 0) {
                e += dim;
            }
            if (step > 0) {
                s = Math.max(0, Math.min(dim, s));
                e = Math.max(0, Math.min(dim, e));
                count[a] = (int) Math.max(0, (e - s + step - 1) / step);
            } else {
                s = Math.max(0, Math.min(dim - 1, s));
                e = Math.max(-1, Math.min(dim - 1, e));
                count[a] = (int) Math.max(0, (s - e + (-step) - 1) / (-step));
            }
            st[a] = s;
            sp[a] = step;
        }
        Tensor out = Tensor.zeros(in.dtype(), count);
        if (out.size() == 0) {
            return out;
        }
        int[] strides = Shapes.strides(shape);
        int offset = 0;
        int[] srcStrides = new int[rank];
        for (int d = 0; d < rank; d++) {
            offset += (int) st[d] * strides[d];
            srcStrides[d] = (int) (strides[d] * sp[d]);
        }
        CopyKernels.stridedCopy(in.data(), offset, srcStrides, out.data(), count);
        return out;
    }
}
