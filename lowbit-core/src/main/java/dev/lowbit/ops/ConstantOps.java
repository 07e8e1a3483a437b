package dev.lowbit.ops;

import dev.lowbit.exec.OpRegistry;
import dev.lowbit.UnsupportedOpException;
import dev.lowbit.tensor.DType;
import dev.lowbit.tensor.Tensor;
import dev.lowbit.tensor.kernels.CopyKernels;
import java.util.List;

/** Ops that make tensors from attributes or shapes: Constant, ConstantOfShape, Range, EyeLike. */
public final class ConstantOps implements OpRegistry.Family {
    @Override
    public void register(OpRegistry r) {
        r.register("Constant", ctx -> {
            var n = ctx.node();
            Tensor value;
            if (n.has("value")) {
                value = n.getTensor("value");
            } else if (n.has("value_float")) {
                value = Tensor.scalar(n.getFloat("value_float", 0));
            } else if (n.has("value_floats")) {
                float[] f = n.getFloats("value_floats", null);
                value = Tensor.of(f, f.length);
            } else if (n.has("value_int")) {
                value = Tensor.scalar(n.getInt("value_int", 0));
            } else if (n.has("value_ints")) {
                long[] v = n.getInts("value_ints", null);
                value = Tensor.of(v, v.length);
            } else if (n.has("value_string")) {
                value = Tensor.wrap(DType.STRING, new int[0], new String[] {n.getString("value_string", "")});
            } else if (n.has("value_strings")) {
                List<String> s = n.getStrings("value_strings", List.of());
                value = Tensor.wrap(DType.STRING, new int[] {s.size()}, s.toArray(new String[0]));
            } else {
                throw ctx.unsupported("Constant without a supported value attribute (sparse_value?)");
            }
            if (value == null) {
                throw ctx.unsupported("Constant value attribute is not a dense tensor");
            }
            Tensor v = value;
            return in -> new Tensor[] {v};
        });
        r.register("ConstantOfShape", ctx -> {
            Tensor value = ctx.node().getTensor("value");
            Tensor fill = value == null ? Tensor.of(new float[] {0f}, 1) : value;
            if (fill.size() != 1) {
                throw ctx.unsupported("ConstantOfShape value with " + fill.size() + " elements");
            }
            return in -> {
                Tensor out = Tensor.zeros(fill.dtype(), ShapeUtil.ints(in[0]));
                CopyKernels.fillFrom(fill.data(), 0, out.data(), 0, out.size());
                return new Tensor[] {out};
            };
        });
        r.register("Range", ctx -> in -> new Tensor[] {range(in[0], in[1], in[2])});
        r.register("EyeLike", ctx -> {
            int k = (int) ctx.node().getInt("k", 0);
            Integer dtype = ctx.node().has("dtype") ? (int) ctx.node().getInt("dtype", 1) : null;
            return in -> {
                DType t = dtype == null ? in[0].dtype() : DType.fromOnnx(dtype);
                if (in[0].rank() != 2) {
                    throw new IllegalArgumentException("EyeLike needs a 2-D input, got " + in[0]);
                }
                int rows = in[0].dim(0), cols = in[0].dim(1);
                Tensor out = Tensor.zeros(t, rows, cols);
                for (int i = 0; i < rows; i++) {
                    int j = i + k;
                    if (j >= 0 && j < cols) {
                        out.setLong(i * cols + j, 1);
                    }
                }
                return new Tensor[] {out};
            };
        });
    }

    static Tensor range(Tensor start, Tensor limit, Tensor delta) {
        DType t = start.dtype();
        if (t.isFloatingPoint()) {
            double s = start.getDouble(0), l = limit.getDouble(0), d = delta.getDouble(0);
            // count per the spec, max(ceil((limit - start) / delta), 0), in double
            int n = (int) Math.max(Math.ceil((l - s) / d), 0);
            Tensor out = Tensor.zeros(t, n);
            for (int i = 0; i < n; i++) {
                out.setDouble(i, s + i * d);
            }
            return out;
        }
        if (!t.isInteger()) {
            throw new UnsupportedOpException("Range: unsupported data type " + t.onnxName());
        }
        long s = start.getLong(0), l = limit.getLong(0), d = delta.getLong(0);
        if (d == 0) {
            throw new IllegalArgumentException("Range: delta is 0");
        }
        long n = Math.max(0, d > 0 ? (l - s + d - 1) / d : (s - l - d - 1) / (-d));
        Tensor out = Tensor.zeros(t, (int) n);
        for (int i = 0; i < n; i++) {
            out.setLong(i, s + i * d);
        }
        return out;
    }
}
