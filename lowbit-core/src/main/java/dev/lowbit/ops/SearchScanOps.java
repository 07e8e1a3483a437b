package dev.lowbit.ops;

import dev.lowbit.exec.OpRegistry;
import dev.lowbit.tensor.DType;
import dev.lowbit.tensor.Shapes;
import dev.lowbit.tensor.Tensor;
import dev.lowbit.tensor.kernels.CopyKernels;
import java.util.Arrays;
import java.util.Comparator;

/** TopK, CumSum, OneHot, NonZero and Trilu. */
public final class SearchScanOps implements OpRegistry.Family {
    @Override
    public void register(OpRegistry r) {
        r.register("TopK", ctx -> {
            int axis = (int) ctx.node().getInt("axis", -1);
            boolean largest = ctx.node().getInt("largest", 1) != 0;
            long attrK = ctx.node().getInt("k", -1);
            if (ctx.opset() < 10 && attrK < 0) {
                throw ctx.unsupported("TopK without k");
            }
            return in -> topK(in[0], ctx.opset() < 10 ? (int) attrK : (int) ShapeUtil.scalar(in[1]), axis, largest);
        });
        r.register("CumSum", ctx -> {
            boolean exclusive = ctx.node().getInt("exclusive", 0) != 0;
            boolean reverse = ctx.node().getInt("reverse", 0) != 0;
            return in -> new Tensor[] {cumSum(in[0], (int) ShapeUtil.scalar(in[1]), exclusive, reverse)};
        });
        r.register("OneHot", ctx -> {
            int axis = (int) ctx.node().getInt("axis", -1);
            return in -> new Tensor[] {oneHot(in[0], (long) ShapeUtil.scalar(in[1]), in[2], axis)};
        });
        r.register("NonZero", ctx -> in -> new Tensor[] {nonZero(in[0])});
        r.register("Trilu", ctx -> {
            boolean upper = ctx.node().getInt("upper", 1) != 0;
            return in -> {
                long k = in.length > 1 && in[1] != null ? in[1].getLong(0) : 0;
                return new Tensor[] {trilu(in[0], k, upper)};
            };
        });
    }

    static Tensor[] topK(Tensor x, int k, int axis, boolean largest) {
        int[] s = x.shapeRef();
        int a = Shapes.axis(axis, s.length);
        int dim = s[a];
        if (k < 0 || k > dim) {
            throw new IllegalArgumentException("TopK: k=" + k + " out of range for axis size " + dim);
        }
        if (x.dtype() == DType.STRING || x.dtype() == DType.BOOL) {
            throw ShapeUtil.unsupportedType("TopK", x);
        }
        int outer = ShapeUtil.product(s, 0, a);
        int inner = ShapeUtil.product(s, a + 1, s.length);
        int[] os = x.shape();
        os[a] = k;
        Tensor values = Tensor.zeros(x.dtype(), os);
        long[] indices = new long[Shapes.size(os)];
        boolean integral = x.dtype().isInteger();
        boolean unsigned64 = x.dtype() == DType.UINT64;
        Integer[] order = new Integer[dim];
        double[] kd = new double[dim];
        long[] kl = new long[dim];
        Comparator<Integer> cmp = integral
                ? (p, q) -> unsigned64 ? Long.compareUnsigned(kl[p], kl[q]) : Long.compare(kl[p], kl[q])
                : (p, q) -> Double.compare(kd[p], kd[q]);
        Comparator<Integer> byRank = largest ? cmp.reversed() : cmp;
        for (int o = 0; o < outer; o++) {
            for (int i = 0; i < inner; i++) {
                int base = o * dim * inner + i;
                for (int j = 0; j < dim; j++) {
                    order[j] = j;
                    if (integral) {
                        kl[j] = x.getLong(base + j * inner);
                    } else {
                        kd[j] = x.getDouble(base + j * inner);
                    }
                }
                Arrays.sort(order, byRank); // stable: ties keep the lower index first
                int outBase = o * k * inner + i;
                for (int j = 0; j < k; j++) {
                    System.arraycopy(x.data(), base + order[j] * inner, values.data(), outBase + j * inner, 1);
                    indices[outBase + j * inner] = order[j];
                }
            }
        }
        return new Tensor[] {values, Tensor.of(indices, os)};
    }

    static Tensor cumSum(Tensor x, int axis, boolean exclusive, boolean reverse) {
        int[] s = x.shapeRef();
        int a = Shapes.axis(axis, s.length);
        if (!x.dtype().isFloatingPoint() && !x.dtype().isInteger()) {
            throw ShapeUtil.unsupportedType("CumSum", x);
        }
        int dim = s[a];
        int outer = ShapeUtil.product(s, 0, a);
        int inner = ShapeUtil.product(s, a + 1, s.length);
        Tensor out = Tensor.zeros(x.dtype(), s);
        boolean fp = x.dtype().isFloatingPoint();
        for (int o = 0; o < outer; o++) {
            for (int i = 0; i < inner; i++) {
                double sd = 0;
                long sl = 0;
                for (int t = 0; t < dim; t++) {
                    int j = reverse ? dim - 1 - t : t;
                    int p = (o * dim + j) * inner + i;
                    if (fp) {
                        if (exclusive) {
                            out.setDouble(p, sd);
                            sd += x.getDouble(p);
                        } else {
                            sd += x.getDouble(p);
                            out.setDouble(p, sd);
                        }
                    } else {
                        if (exclusive) {
                            out.setLong(p, sl);
                            sl += x.getLong(p);
                        } else {
                            sl += x.getLong(p);
                            out.setLong(p, sl);
                        }
                    }
                }
            }
        }
        return out;
    }

    static Tensor oneHot(Tensor indices, long depth, Tensor values, int axis) {
        if (values.size() != 2) {
            throw new IllegalArgumentException("OneHot: values must have 2 elements, got " + values.size());
        }
        int[] is = indices.shapeRef();
        int rank = is.length + 1;
        int a = axis < 0 ? axis + rank : axis;
        if (a < 0 || a >= rank) {
            throw new IllegalArgumentException("OneHot: axis " + axis + " out of range for output rank " + rank);
        }
        int d = Math.toIntExact(depth);
        int[] os = new int[rank];
        for (int i = 0, j = 0; i < rank; i++) {
            os[i] = i == a ? d : is[j++];
        }
        Tensor out = Tensor.zeros(values.dtype(), os);
        CopyKernels.fillFrom(values.data(), 0, out.data(), 0, out.size());
        int outer = ShapeUtil.product(is, 0, a);
        int inner = ShapeUtil.product(is, a, is.length);
        for (int o = 0; o < outer; o++) {
            for (int i = 0; i < inner; i++) {
                int src = o * inner + i;
                long v = indices.dtype().isFloatingPoint() ? (long) indices.getDouble(src) : indices.getLong(src);
                if (v < 0) {
                    v += d;
                }
                if (v >= 0 && v < d) {
                    System.arraycopy(values.data(), 1, out.data(), (o * d + (int) v) * inner + i, 1);
                }
            }
        }
        return out;
    }

    static Tensor nonZero(Tensor x) {
        if (x.dtype() == DType.STRING) {
            throw ShapeUtil.unsupportedType("NonZero", x);
        }
        int n = x.size();
        int rank = x.rank();
        int count = 0;
        boolean[] nz = new boolean[n];
        for (int i = 0; i < n; i++) {
            nz[i] = x.dtype().isInteger() ? x.getLong(i) != 0 : x.getDouble(i) != 0;
            count += nz[i] ? 1 : 0;
        }
        int r = Math.max(rank, 1);
        long[] out = new long[r * count];
        int[] s = rank == 0 ? new int[] {1} : x.shapeRef();
        int[] idx = new int[r];
        int c = 0;
        for (int i = 0; i < n; i++) {
            if (nz[i]) {
                for (int d = 0; d < r; d++) {
                    out[d * count + c] = idx[d];
                }
                c++;
            }
            for (int d = r - 1; d >= 0; d--) {
                if (++idx[d] < s[d]) {
                    break;
                }
                idx[d] = 0;
            }
        }
        return Tensor.of(out, r, count); // a scalar reads as one element of a 1-D tensor, as numpy does
    }

    static Tensor trilu(Tensor x, long k, boolean upper) {
        int[] s = x.shapeRef();
        if (s.length < 2) {
            throw new IllegalArgumentException("Trilu needs rank >= 2, got " + x);
        }
        int rows = s[s.length - 2], cols = s[s.length - 1];
        Tensor out = Tensor.zeros(x.dtype(), s);
        int mats = ShapeUtil.product(s, 0, s.length - 2);
        for (int m = 0; m < mats; m++) {
            for (int i = 0; i < rows; i++) {
                int base = (m * rows + i) * cols;
                // keep columns j with j - i >= k (upper) or j - i <= k (lower)
                long lo = upper ? Math.max(0, i + k) : 0;
                long hi = upper ? cols : Math.min(cols, i + k + 1);
                if (hi > lo) {
                    System.arraycopy(x.data(), base + (int) lo, out.data(), base + (int) lo, (int) (hi - lo));
                }
            }
        }
        return out;
    }
}
