package dev.lowbit.ops;

import dev.lowbit.LowbitException;
import dev.lowbit.tensor.Tensor;
import java.util.Arrays;
import java.util.List;

/** Taking one index along an axis, and stacking equal-shaped tensors along a new axis (any dtype). */
final class AxisSlices {
    private AxisSlices() {
    }

    /** {@code t} at {@code index} along {@code axis}, with that axis removed. */
    static Tensor take(Tensor t, int axis, int index) {
        int[] s = t.shapeRef();
        int outer = 1;
        for (int i = 0; i < axis; i++) {
            outer *= s[i];
        }
        int inner = 1;
        for (int i = axis + 1; i < s.length; i++) {
            inner *= s[i];
        }
        int len = s[axis];
        int[] shape = new int[s.length - 1];
        System.arraycopy(s, 0, shape, 0, axis);
        System.arraycopy(s, axis + 1, shape, axis, s.length - axis - 1);
        Tensor out = Tensor.zeros(t.dtype(), shape);
        for (int o = 0; o < outer; o++) {
            System.arraycopy(t.data(), (o * len + index) * inner, out.data(), o * inner, inner);
        }
        return out;
    }

    /**
     * Stacks {@code parts} along a new {@code axis}; {@code reverse} puts the first part last
     * (scan outputs of a reverse-direction scan).
     */
    static Tensor stack(List<Tensor> parts, int axis, boolean reverse) {
        Tensor first = parts.get(0);
        int[] s = first.shapeRef();
        for (Tensor p : parts) {
            if (!Arrays.equals(p.shapeRef(), s) || p.dtype() != first.dtype()) {
                throw new LowbitException("scan outputs differ across iterations: " + Arrays.toString(s)
                        + " vs " + Arrays.toString(p.shapeRef()));
            }
        }
        int len = parts.size();
        int[] shape = new int[s.length + 1];
        System.arraycopy(s, 0, shape, 0, axis);
        shape[axis] = len;
        System.arraycopy(s, axis, shape, axis + 1, s.length - axis);
        int outer = 1;
        for (int i = 0; i < axis; i++) {
            outer *= s[i];
        }
        int inner = 1;
        for (int i = axis; i < s.length; i++) {
            inner *= s[i];
        }
        Tensor out = Tensor.zeros(first.dtype(), shape);
        for (int k = 0; k < len; k++) {
            Object src = parts.get(reverse ? len - 1 - k : k).data();
            for (int o = 0; o < outer; o++) {
                System.arraycopy(src, o * inner, out.data(), (o * len + k) * inner, inner);
            }
        }
        return out;
    }
}
