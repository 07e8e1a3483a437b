package dev.lowbit.ops;

import dev.lowbit.exec.OpRegistry;
import dev.lowbit.UnsupportedOpException;
import dev.lowbit.tensor.DType;
import dev.lowbit.tensor.Shapes;
import dev.lowbit.tensor.Tensor;
import dev.lowbit.tensor.kernels.CopyKernels;
import dev.lowbit.tensor.kernels.TransposeKernels;
import java.util.Arrays;

/**
 * Ops that only reinterpret or rearrange data: Reshape, Flatten, Transpose, Squeeze, Unsqueeze,
 * Shape, Size, Identity, Dropout (inference), Expand, Tile, DepthToSpace, SpaceToDepth. Also
 * registers {@link ConcatSplitOps} and {@link ConstantOps}. Reshapes share the input's array
 * (tensors are immutable once produced).
 */
public final class ShapeOps implements OpRegistry.Family {
    @Override
    public void register(OpRegistry r) {
        new ConcatSplitOps().register(r);
        new ConstantOps().register(r);

        r.register("Reshape", ctx -> {
            if (ctx.opset() < 5) {
                throw ctx.unsupported("Reshape with a shape attribute (opset < 5)");
            }
            boolean allowZero = ctx.node().getInt("allowzero", 0) != 0;
            return in -> new Tensor[] {in[0].reshape(reshapeTarget(in[0].shapeRef(), ShapeUtil.ints(in[1]), allowZero))};
        });
        r.register("Flatten", ctx -> {
            int axis = (int) ctx.node().getInt("axis", 1);
            return in -> {
                int rank = in[0].rank();
                int a = axis < 0 ? axis + rank : axis;
                if (a < 0 || a > rank) {
                    throw new IllegalArgumentException("Flatten axis " + axis + " out of range for rank " + rank);
                }
                int[] s = in[0].shapeRef();
                return new Tensor[] {in[0].reshape(ShapeUtil.product(s, 0, a), ShapeUtil.product(s, a, rank))};
            };
        });
        r.register("Transpose", ctx -> {
            int[] perm = ctx.node().getIntArray("perm", null);
            return in -> {
                int rank = in[0].rank();
                int[] p = perm;
                if (p == null) {
                    p = new int[rank];
                    for (int i = 0; i < rank; i++) {
                        p[i] = rank - 1 - i;
                    }
                }
                if (p.length != rank) {
                    throw new IllegalArgumentException("Transpose perm " + Arrays.toString(p) + " does not match rank " + rank);
                }
                return new Tensor[] {TransposeKernels.transpose(in[0], ShapeUtil.axes(p, rank))};
            };
        });
        r.register("Squeeze", ctx -> {
            int[] attrAxes = ctx.opset() < 13 ? ctx.node().getIntArray("axes", null) : null;
            return in -> {
                int[] axes = ctx.opset() < 13 ? attrAxes : ShapeUtil.ints(in.length > 1 ? in[1] : null);
                return new Tensor[] {in[0].reshape(squeezeShape(in[0].shapeRef(), axes))};
            };
        });
        r.register("Unsqueeze", ctx -> {
            int[] attrAxes = ctx.opset() < 13 ? ctx.node().getIntArray("axes", null) : null;
            if (ctx.opset() < 13 && attrAxes == null) {
                throw ctx.unsupported("Unsqueeze without axes");
            }
            return in -> {
                int[] axes = ctx.opset() < 13 ? attrAxes : ShapeUtil.ints(in[1]);
                return new Tensor[] {in[0].reshape(unsqueezeShape(in[0].shapeRef(), axes))};
            };
        });
        r.register("Shape", ctx -> {
            long start = ctx.node().getInt("start", 0);
            long end = ctx.node().getInt("end", Long.MAX_VALUE);
            return in -> {
                int[] s = in[0].shapeRef();
                int rank = s.length;
                int a = (int) clamp(start < 0 ? start + rank : start, 0, rank);
                int b = (int) clamp(end < 0 ? end + rank : end, 0, rank);
                long[] dims = new long[Math.max(0, b - a)];
                for (int i = 0; i < dims.length; i++) {
                    dims[i] = s[a + i];
                }
                return new Tensor[] {Tensor.of(dims, dims.length)};
            };
        });
        r.register("Size", ctx -> in -> new Tensor[] {Tensor.scalar((long) in[0].size())});
        r.register("Identity", ctx -> in -> new Tensor[] {in[0]});
        r.register("Dropout", ctx -> {
            int opset = ctx.opset();
            boolean wantMask = ctx.node().outputs().size() > 1 && !ctx.node().output(1).isEmpty();
            return in -> {
                if (opset >= 12 && in.length > 2 && in[2] != null && in[2].bools()[0]) {
                    double ratio = in.length > 1 && in[1] != null ? ShapeUtil.scalar(in[1]) : 0.5;
                    if (ratio != 0) {
                        throw new UnsupportedOpException("Dropout: training_mode with a nonzero ratio is random; not supported");
                    }
                }
                Tensor mask = null;
                if (wantMask) {
                    mask = Tensor.zeros(opset >= 10 ? DType.BOOL : in[0].dtype(), in[0].shapeRef());
                    if (opset >= 10) {
                        Arrays.fill(mask.bools(), true);
                    } else {
                        for (int i = 0; i < mask.size(); i++) {
                            mask.setDouble(i, 1);
                        }
                    }
                }
                return new Tensor[] {in[0], mask};
            };
        });
        r.register("Expand", ctx -> in -> {
            int[] target = Shapes.broadcast(in[0].shapeRef(), ShapeUtil.ints(in[1]));
            return new Tensor[] {broadcastTo(in[0], target)};
        });
        r.register("Tile", ctx -> in -> new Tensor[] {tile(in[0], ShapeUtil.ints(in[1]))});
        r.register("DepthToSpace", ctx -> {
            int bs = (int) ctx.node().getInt("blocksize", 0);
            String mode = ctx.node().getString("mode", "DCR");
            if (bs <= 0 || !(mode.equals("DCR") || mode.equals("CRD"))) {
                throw ctx.unsupported("DepthToSpace blocksize " + bs + " mode " + mode);
            }
            return in -> {
                int[] s = in[0].shapeRef();
                int n = s[0], c = s[1], h = s[2], w = s[3];
                int oc = c / (bs * bs);
                Tensor t = mode.equals("DCR")
                        ? TransposeKernels.transpose(in[0].reshape(n, bs, bs, oc, h, w), new int[] {0, 3, 4, 1, 5, 2})
                        : TransposeKernels.transpose(in[0].reshape(n, oc, bs, bs, h, w), new int[] {0, 1, 4, 2, 5, 3});
                return new Tensor[] {t.reshape(n, oc, h * bs, w * bs)};
            };
        });
        r.register("SpaceToDepth", ctx -> {
            int bs = (int) ctx.node().getInt("blocksize", 0);
            if (bs <= 0) {
                throw ctx.unsupported("SpaceToDepth blocksize " + bs);
            }
            return in -> {
                int[] s = in[0].shapeRef();
                int n = s[0], c = s[1], h = s[2] / bs, w = s[3] / bs;
                Tensor t = TransposeKernels.transpose(in[0].reshape(n, c, h, bs, w, bs), new int[] {0, 3, 5, 1, 2, 4});
                return new Tensor[] {t.reshape(n, c * bs * bs, h, w)};
            };
        });
    }

    static long clamp(long v, long lo, long hi) {
        return Math.max(lo, Math.min(hi, v));
    }

    /** Reshape's target: 0 copies the input dim (unless allowzero), one -1 is inferred. */
    static int[] reshapeTarget(int[] inShape, int[] spec, boolean allowZero) {
        int[] out = spec.clone();
        int infer = -1;
        long known = 1;
        for (int i = 0; i < out.length; i++) {
            if (out[i] == 0 && !allowZero) {
                if (i >= inShape.length) {
                    throw new IllegalArgumentException("Reshape: 0 at axis " + i + " beyond input rank " + inShape.length);
                }
                out[i] = inShape[i];
            }
            if (out[i] == -1) {
                if (infer >= 0) {
                    throw new IllegalArgumentException("Reshape: more than one -1 in " + Arrays.toString(spec));
                }
                infer = i;
            } else if (out[i] < 0) {
                throw new IllegalArgumentException("Reshape: invalid dimension in " + Arrays.toString(spec));
            } else {
                known *= out[i];
            }
        }
        int total = Shapes.size(inShape);
        if (infer >= 0) {
            if (known == 0 || total % known != 0) {
                throw new IllegalArgumentException("Reshape: cannot infer -1 reshaping " + Arrays.toString(inShape)
                        + " to " + Arrays.toString(spec));
            }
            out[infer] = (int) (total / known);
        } else if (known != total) {
            throw new IllegalArgumentException("Reshape: " + Arrays.toString(inShape) + " cannot become "
                    + Arrays.toString(spec));
        }
        return out;
    }

    static int[] squeezeShape(int[] shape, int[] axes) {
        boolean[] drop = new boolean[shape.length];
        if (axes == null) {
            for (int i = 0; i < shape.length; i++) {
                drop[i] = shape[i] == 1;
            }
        } else {
            for (int a : ShapeUtil.axes(axes, shape.length)) {
                if (shape[a] != 1) {
                    throw new IllegalArgumentException("Squeeze: axis " + a + " has size " + shape[a] + ", not 1");
                }
                drop[a] = true;
            }
        }
        return java.util.stream.IntStream.range(0, shape.length).filter(i -> !drop[i]).map(i -> shape[i]).toArray();
    }

    static int[] unsqueezeShape(int[] shape, int[] axes) {
        int rank = shape.length + axes.length;
        boolean[] ins = new boolean[rank];
        for (int a : ShapeUtil.axes(axes, rank)) {
            ins[a] = true;
        }
        int[] out = new int[rank];
        for (int i = 0, j = 0; i < rank; i++) {
            out[i] = ins[i] ? 1 : shape[j++];
        }
        return out;
    }

    /** Copies {@code t} broadcast to {@code target} (numpy rules, right-aligned). */
    static Tensor broadcastTo(Tensor t, int[] target) {
        Tensor out = Tensor.zeros(t.dtype(), target);
        CopyKernels.stridedCopy(t.data(), 0, Shapes.broadcastStrides(t.shapeRef(), target), out.data(), target);
        return out;
    }

    /** Tile as a strided copy over [r0, d0, r1, d1, ...] with zero strides on the repeat axes. */
    static Tensor tile(Tensor t, int[] repeats) {
        int[] s = t.shapeRef();
        if (repeats.length != s.length) {
            throw new IllegalArgumentException("Tile: " + repeats.length + " repeats for rank " + s.length);
        }
        int[] strides = Shapes.strides(s);
        int[] view = new int[2 * s.length];
        int[] viewStrides = new int[2 * s.length];
        int[] outShape = new int[s.length];
        for (int i = 0; i < s.length; i++) {
            view[2 * i] = repeats[i];
            view[2 * i + 1] = s[i];
            viewStrides[2 * i + 1] = strides[i];
            outShape[i] = s[i] * repeats[i];
        }
        Tensor out = Tensor.zeros(t.dtype(), outShape);
        if (s.length == 0) {
            System.arraycopy(t.data(), 0, out.data(), 0, 1);
        } else {
            CopyKernels.stridedCopy(t.data(), 0, viewStrides, out.data(), view);
        }
        return out;
    }
}
