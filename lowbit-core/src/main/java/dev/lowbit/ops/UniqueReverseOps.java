package dev.lowbit.ops;

import dev.lowbit.exec.OpRegistry;
import dev.lowbit.tensor.DType;
import dev.lowbit.tensor.Shapes;
import dev.lowbit.tensor.Tensor;
import dev.lowbit.tensor.kernels.GatherKernels;
import dev.lowbit.tensor.kernels.TransposeKernels;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** ReverseSequence and Unique. */
public final class UniqueReverseOps implements OpRegistry.Family {
    @Override
    public void register(OpRegistry r) {
        r.register("ReverseSequence", ctx -> {
            int batchAxis = (int) ctx.node().getInt("batch_axis", 1);
            int timeAxis = (int) ctx.node().getInt("time_axis", 0);
            if (!((batchAxis == 0 && timeAxis == 1) || (batchAxis == 1 && timeAxis == 0))) {
                throw ctx.unsupported("ReverseSequence batch_axis " + batchAxis + " time_axis " + timeAxis);
            }
            return in -> new Tensor[] {reverseSequence(in[0], ShapeUtil.ints(in[1]), batchAxis, timeAxis)};
        });
        r.register("Unique", ctx -> {
            boolean sorted = ctx.node().getInt("sorted", 1) != 0;
            Integer axis = ctx.node().has("axis") ? (int) ctx.node().getInt("axis", 0) : null;
            return in -> unique(in[0], axis, sorted);
        });
    }

    static Tensor reverseSequence(Tensor x, int[] lens, int batchAxis, int timeAxis) {
        int[] s = x.shapeRef();
        int[] st = Shapes.strides(s);
        Tensor out = x.copy();
        int batch = s[batchAxis], time = s[timeAxis];
        if (lens.length != batch) {
            throw new IllegalArgumentException("ReverseSequence: " + lens.length + " lengths for batch " + batch);
        }
        int inner = ShapeUtil.product(s, 2, s.length);
        for (int b = 0; b < batch; b++) {
            int len = Math.min(lens[b], time);
            for (int t = 0; t < len; t++) {
                int dst = b * st[batchAxis] + t * st[timeAxis];
                int src = b * st[batchAxis] + (len - 1 - t) * st[timeAxis];
                System.arraycopy(x.data(), src, out.data(), dst, inner);
            }
        }
        return out;
    }

    /** Unique slices along {@code axis} (elements of the flattened tensor when null). */
    static Tensor[] unique(Tensor x, Integer axis, boolean sorted) {
        Tensor data = axis == null ? x.reshape(x.size()) : x;
        int a = axis == null ? 0 : Shapes.axis(axis, x.rank());
        int rank = data.rank();
        int[] perm = new int[rank];
        perm[0] = a;
        for (int i = 0, j = 1; i < rank; i++) {
            if (i != a) {
                perm[j++] = i;
            }
        }
        Tensor front = a == 0 ? data : TransposeKernels.transpose(data, perm);
        int n = data.dim(a);
        int len = n == 0 ? 0 : front.size() / n;
        Comparator<Integer> bySlice = (p, q) -> {
            for (int e = 0; e < len; e++) {
                int c = compare(front, p * len + e, q * len + e);
                if (c != 0) {
                    return c;
                }
            }
            return 0;
        };
        // key: first index of each distinct slice; value: position in first-occurrence order
        TreeMap<Integer, Integer> groups = new TreeMap<>(bySlice);
        List<Integer> firstOrder = new ArrayList<>();
        int[] groupOf = new int[n];
        for (int i = 0; i < n; i++) {
            Integer g = groups.get(i);
            if (g == null) {
                g = firstOrder.size();
                groups.put(i, g);
                firstOrder.add(i);
            }
            groupOf[i] = g;
        }
        int u = firstOrder.size();
        int[] rankOfGroup = new int[u];
        int[] firsts = new int[u];
        if (sorted) {
            int k = 0;
            for (Map.Entry<Integer, Integer> e : groups.entrySet()) {
                rankOfGroup[e.getValue()] = k;
                firsts[k++] = e.getKey();
            }
        } else {
            for (int g = 0; g < u; g++) {
                rankOfGroup[g] = g;
                firsts[g] = firstOrder.get(g);
            }
        }
        long[] indices = new long[u];
        long[] counts = new long[u];
        long[] inverse = new long[n];
        for (int k = 0; k < u; k++) {
            indices[k] = firsts[k];
        }
        for (int i = 0; i < n; i++) {
            int k = rankOfGroup[groupOf[i]];
            inverse[i] = k;
            counts[k]++;
        }
        Tensor y = GatherKernels.gather(data, a, firsts, new int[] {u});
        return new Tensor[] {y, Tensor.of(indices, u), Tensor.of(inverse, n), Tensor.of(counts, u)};
    }

    private static int compare(Tensor t, int i, int j) {
        DType d = t.dtype();
        if (d == DType.STRING) {
            return t.strings()[i].compareTo(t.strings()[j]);
        }
        if (d == DType.UINT64) {
            return Long.compareUnsigned(t.longs()[i], t.longs()[j]);
        }
        if (d.isInteger() || d == DType.BOOL) {
            return Long.compare(t.getLong(i), t.getLong(j));
        }
        double x = t.getDouble(i), y = t.getDouble(j);
        return x == y ? 0 : Double.compare(x, y); // -0.0 equals 0.0, as in numpy
    }
}
