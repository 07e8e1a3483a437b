package dev.lowbit.ops;

import dev.lowbit.tensor.BufferPool;
import dev.lowbit.exec.OpContext;
import dev.lowbit.exec.OpRegistry;
import dev.lowbit.UnsupportedOpException;
import dev.lowbit.onnx.Attribute;
import dev.lowbit.onnx.Node;
import dev.lowbit.tensor.DType;
import dev.lowbit.tensor.Parallel;
import dev.lowbit.tensor.Tensor;
import dev.lowbit.tensor.kernels.IntQuantize;
import dev.lowbit.tensor.kernels.PoolFloat2d;
import dev.lowbit.tensor.kernels.PoolGeometry;
import dev.lowbit.tensor.kernels.PoolGlobal;
import dev.lowbit.tensor.kernels.PoolReference;
import dev.lowbit.tensor.kernels.PoolReference.Mode;
import java.util.Arrays;

/**
 * Pooling ops on N x C x spatial tensors: MaxPool (with optional int64 Indices), AveragePool,
 * LpPool, their Global variants and MaxUnpool. Float 2-D max/average pooling and float global
 * pooling take vectorised fast paths; everything else runs the double reference.
 */
public final class PoolOps implements OpRegistry.Family {
    @Override
    public void register(OpRegistry r) {
        r.register("MaxPool", ctx -> windowed(ctx, Mode.MAX));
        r.register("AveragePool", ctx -> windowed(ctx, Mode.AVERAGE));
        r.register("LpPool", ctx -> windowed(ctx, Mode.LP));
        r.register("GlobalMaxPool", ctx -> global(ctx, Mode.MAX));
        r.register("GlobalAveragePool", ctx -> global(ctx, Mode.AVERAGE));
        r.register("GlobalLpPool", ctx -> global(ctx, Mode.LP));
        r.register("MaxUnpool", PoolOps::maxUnpool);
    }

    /** Pooling attributes as read from the node, before the input shape is known. */
    private record WindowAttributes(int[] kernel, int[] strides, int[] dilations, int[] pads, String autoPad,
            boolean ceilMode) {
        PoolGeometry geometry(int[] spatial) {
            int k = kernel.length;
            return PoolGeometry.of(spatial, kernel, strides == null ? ones(k) : strides,
                    dilations == null ? ones(k) : dilations, pads, autoPad, ceilMode);
        }
    }

    private static WindowAttributes windowAttributes(OpContext ctx) {
        Node n = ctx.node();
        int[] kernel = n.getIntArray("kernel_shape", null);
        if (kernel == null || kernel.length == 0) {
            throw ctx.unsupported("kernel_shape attribute is required");
        }
        int[] strides = n.getIntArray("strides", null);
        int[] dilations = n.getIntArray("dilations", null);
        int[] pads = n.getIntArray("pads", null);
        int k = kernel.length;
        if ((strides != null && strides.length != k) || (dilations != null && dilations.length != k)
                || (pads != null && pads.length != 2 * k)) {
            throw ctx.unsupported("strides/dilations/pads do not match kernel_shape of rank " + k);
        }
        String autoPad = n.getString("auto_pad", "NOTSET");
        if (!Arrays.asList("NOTSET", "VALID", "SAME_UPPER", "SAME_LOWER").contains(autoPad)) {
            throw ctx.unsupported("auto_pad " + autoPad);
        }
        return new WindowAttributes(kernel, strides, dilations, pads, autoPad, n.getInt("ceil_mode", 0) != 0);
    }

    private static dev.lowbit.exec.Op windowed(OpContext ctx, Mode mode) {
        Node n = ctx.node();
        WindowAttributes attrs = windowAttributes(ctx);
        boolean includePad = n.getInt("count_include_pad", 0) != 0;
        boolean columnMajor = n.getInt("storage_order", 0) != 0;
        boolean wantIndices = mode == Mode.MAX && n.outputs().size() > 1 && !n.output(1).isEmpty();
        double p = lpExponent(ctx);
        String op = n.opType();
        return inputs -> {
            Tensor x = inputs[0];
            checkDtype(x, op, mode);
            int[] shape = x.shapeRef();
            if (shape.length != attrs.kernel().length + 2) {
                throw new IllegalArgumentException(op + " input " + Arrays.toString(shape)
                        + " does not match kernel_shape " + Arrays.toString(attrs.kernel()));
            }
            PoolGeometry g = attrs.geometry(Arrays.copyOfRange(shape, 2, shape.length));
            int planes = shape[0] * shape[1];
            int[] outShape = new int[shape.length];
            outShape[0] = shape[0];
            outShape[1] = shape[1];
            System.arraycopy(g.out(), 0, outShape, 2, g.rank());
            if (x.dtype() == DType.FLOAT && g.rank() <= 2 && !wantIndices && mode != Mode.LP) {
                PoolGeometry g2 = g.rank() == 2 ? g : asRow(g);
                // The 2-D kernels write every output, so the array need not be zeroed first.
                float[] y = BufferPool.floatsUninitialized(planes * g.outPlaneSize());
                if (mode == Mode.MAX) {
                    PoolFloat2d.maxPool(x.floats(), y, planes, g2);
                } else {
                    PoolFloat2d.averagePool(x.floats(), y, planes, g2, includePad);
                }
                return new Tensor[] {Tensor.of(y, outShape)};
            }
            if (isEightBit(x) && g.rank() <= 2 && !wantIndices && mode == Mode.MAX) {
                return new Tensor[] {maxPoolBytes(x, planes, g.rank() == 2 ? g : asRow(g), outShape)};
            }
            double[] y = new double[planes * g.outPlaneSize()];
            long[] indices = wantIndices ? new long[y.length] : null;
            PoolReference.pool(FloatingArrays.toDoubles(x), y, planes, g, mode, includePad, p, indices, columnMajor);
            Tensor out = FloatingArrays.fromDoubles(x.dtype(), outShape, y);
            return wantIndices ? new Tensor[] {out, Tensor.of(indices, outShape)} : new Tensor[] {out};
        };
    }

    private static boolean isEightBit(Tensor x) {
        return x.dtype() == DType.UINT8 || x.dtype() == DType.INT8;
    }

    /**
     * 8-bit max pooling (quantized models run MaxPool on the integers) on the float kernels: each
     * plane's bytes as exact float integers, their maxima converted back, in parallel over planes
     * with one plane's scratch per task (so it stays in cache). A window with no input element
     * (possible only with ceil_mode) gives -infinity, which the conversion saturates to the type's
     * minimum.
     */
    private static Tensor maxPoolBytes(Tensor x, int planes, PoolGeometry g, int[] outShape) {
        byte[] xb = x.bytes();
        boolean unsigned = x.dtype() == DType.UINT8;
        int qmin = (int) x.dtype().minValue();
        int qmax = (int) x.dtype().maxValue();
        int inPlane = g.inPlaneSize();
        int outPlane = g.outPlaneSize();
        Tensor out = Tensor.zeros(x.dtype(), outShape);
        byte[] o = out.bytes();
        int work = outPlane * g.kernel()[0] * g.kernel()[1];
        Parallel.forRange(planes, Math.max(1, 16384 / Math.max(1, work)), (start, end) -> {
            float[] xf = new float[inPlane];
            float[] y = new float[outPlane];
            for (int p = start; p < end; p++) {
                IntQuantize.shiftedFloats(xb, p * inPlane, inPlane, unsigned, 0, xf, 0);
                PoolFloat2d.maxPool(xf, y, 1, g);
                IntQuantize.requantizeToBytes(y, 0, outPlane, 0, 1f, 0, qmin, qmax, o, p * outPlane);
            }
        });
        return out;
    }

    private static dev.lowbit.exec.Op global(OpContext ctx, Mode mode) {
        double p = lpExponent(ctx);
        String op = ctx.node().opType();
        return inputs -> {
            Tensor x = inputs[0];
            checkDtype(x, op, mode);
            int[] shape = x.shapeRef();
            if (shape.length < 2) {
                throw new IllegalArgumentException(op + " needs an N x C x ... input, got " + Arrays.toString(shape));
            }
            int planes = shape[0] * shape[1];
            int size = planes == 0 ? 0 : x.size() / planes;
            int[] outShape = shape.clone();
            Arrays.fill(outShape, 2, outShape.length, 1);
            if (x.dtype() == DType.FLOAT && mode != Mode.LP) {
                float[] y = BufferPool.floats(planes);
                if (mode == Mode.MAX) {
                    PoolGlobal.maxFloat(x.floats(), y, planes, size);
                } else {
                    PoolGlobal.averageFloat(x.floats(), y, planes, size);
                }
                return new Tensor[] {Tensor.of(y, outShape)};
            }
            double[] y = new double[planes];
            PoolGlobal.reference(FloatingArrays.toDoubles(x), y, planes, size, mode, p);
            return new Tensor[] {FloatingArrays.fromDoubles(x.dtype(), outShape, y)};
        };
    }

    private static dev.lowbit.exec.Op maxUnpool(OpContext ctx) {
        WindowAttributes attrs = windowAttributes(ctx);
        if (attrs.dilations() != null || !attrs.autoPad().equals("NOTSET") || attrs.ceilMode()) {
            throw ctx.unsupported("MaxUnpool takes only kernel_shape, strides and pads");
        }
        return inputs -> {
            Tensor x = inputs[0];
            Tensor idx = inputs[1];
            int[] shape = x.shapeRef();
            int k = attrs.kernel().length;
            if (shape.length != k + 2 || !Arrays.equals(idx.shapeRef(), shape)) {
                throw new IllegalArgumentException("MaxUnpool X " + Arrays.toString(shape) + " and I "
                        + Arrays.toString(idx.shapeRef()) + " must match and have " + (k + 2) + " dims");
            }
            // Indices address the unpooled tensor of the inferred shape; an explicit output_shape
            // only enlarges that tensor at the end of each spatial axis, keeping coordinates.
            int[] inferred = shape.clone();
            for (int d = 0; d < k; d++) {
                int s = attrs.strides() == null ? 1 : attrs.strides()[d];
                int pads = attrs.pads() == null ? 0 : attrs.pads()[d] + attrs.pads()[d + k];
                inferred[d + 2] = (shape[d + 2] - 1) * s + attrs.kernel()[d] - pads;
            }
            int[] outShape = inferred;
            if (inputs.length > 2 && inputs[2] != null) {
                outShape = dev.lowbit.tensor.Shapes.toInts(inputs[2].toLongArray());
                if (outShape.length != shape.length || outShape[0] != shape[0] || outShape[1] != shape[1]) {
                    throw new IllegalArgumentException("MaxUnpool output_shape " + Arrays.toString(outShape)
                            + " does not fit input " + Arrays.toString(shape));
                }
                for (int d = 2; d < outShape.length; d++) {
                    if (outShape[d] < inferred[d]) {
                        throw new IllegalArgumentException("MaxUnpool output_shape " + Arrays.toString(outShape)
                                + " smaller than the unpooled shape " + Arrays.toString(inferred));
                    }
                }
            }
            Tensor out = Tensor.zeros(x.dtype(), outShape);
            int inferredPlane = 1;
            for (int d = 2; d < inferred.length; d++) {
                inferredPlane *= inferred[d];
            }
            long limit = (long) inferredPlane * shape[0] * shape[1];
            for (int i = 0; i < x.size(); i++) {
                long at = idx.getLong(i);
                if (at < 0 || at >= limit) {
                    throw new IllegalArgumentException("MaxUnpool index " + at + " outside the unpooled tensor "
                            + Arrays.toString(inferred));
                }
                long rest = at % inferredPlane;
                long target = 0;
                long stride = 1;
                for (int d = inferred.length - 1; d >= 2; d--) {
                    target += (rest % inferred[d]) * stride;
                    rest /= inferred[d];
                    stride *= outShape[d];
                }
                target += (at / inferredPlane) * stride;
                out.setDouble((int) target, x.getDouble(i));
            }
            return new Tensor[] {out};
        };
    }

    /** LpPool's p: a float attribute in opset 1, an int from opset 2; default 2. */
    private static double lpExponent(OpContext ctx) {
        Attribute a = ctx.node().attributes().get("p");
        if (a == null) {
            return 2;
        }
        double p = a.value() instanceof Number v ? v.doubleValue() : Double.NaN;
        if (!(p > 0)) {
            throw ctx.unsupported("p must be a positive number");
        }
        return p;
    }

    private static void checkDtype(Tensor x, String op, Mode mode) {
        DType t = x.dtype();
        if (t.isFloatingPoint() || (mode == Mode.MAX && (t == DType.INT8 || t == DType.UINT8))) {
            return;
        }
        throw new UnsupportedOpException(op + " does not support " + t.onnxName() + " input");
    }

    /** 1-D pooling seen as 2-D pooling of a single-row image, for the float 2-D kernel. */
    private static PoolGeometry asRow(PoolGeometry g) {
        return new PoolGeometry(new int[] {1, g.in()[0]}, new int[] {1, g.out()[0]}, new int[] {1, g.kernel()[0]},
                new int[] {1, g.strides()[0]}, new int[] {1, g.dilations()[0]}, new int[] {0, g.padBegin()[0]},
                new int[] {0, g.padEnd()[0]});
    }

    private static int[] ones(int k) {
        int[] v = new int[k];
        Arrays.fill(v, 1);
        return v;
    }
}
