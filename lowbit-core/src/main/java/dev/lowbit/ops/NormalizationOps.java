package dev.lowbit.ops;

import dev.lowbit.tensor.BufferPool;
import dev.lowbit.exec.Op;
import dev.lowbit.exec.OpContext;
import dev.lowbit.exec.OpRegistry;
import dev.lowbit.onnx.Node;
import dev.lowbit.tensor.DType;
import dev.lowbit.tensor.Shapes;
import dev.lowbit.tensor.Tensor;
import dev.lowbit.tensor.kernels.NormFloat;
import dev.lowbit.tensor.kernels.NormReference;
import java.util.Arrays;

/**
 * Normalization ops: BatchNormalization (inference, and training mode's batch statistics),
 * LayerNormalization, InstanceNormalization and GroupNormalization (float inputs take the
 * vectorised {@link NormFloat} kernels), plus LpNormalization, MeanVarianceNormalization and LRN
 * (double reference for every type). See {@link BatchNormOp} for BatchNormalization.
 */
public final class NormalizationOps implements OpRegistry.Family {
    @Override
    public void register(OpRegistry r) {
        r.register("BatchNormalization", BatchNormOp::create);
        r.register("LayerNormalization", NormalizationOps::layerNorm);
        r.register("InstanceNormalization", ctx -> groupNorm(ctx, false));
        r.register("GroupNormalization", ctx -> groupNorm(ctx, true));
        r.register("LpNormalization", NormalizationOps::lpNorm);
        r.register("MeanVarianceNormalization", NormalizationOps::meanVariance);
        r.register("LRN", NormalizationOps::lrn);
    }

    private static Op layerNorm(OpContext ctx) {
        Node n = ctx.node();
        int axis = (int) n.getInt("axis", -1);
        float eps = n.getFloat("epsilon", 1e-5f);
        boolean wantMean = n.outputs().size() > 1 && !n.output(1).isEmpty();
        boolean wantInvStd = n.outputs().size() > 2 && !n.output(2).isEmpty();
        return inputs -> {
            Tensor x = inputs[0];
            FloatingArrays.requireFloating(x, "LayerNormalization");
            int[] shape = x.shapeRef();
            int a = Shapes.axis(axis, shape.length);
            int[] normShape = Arrays.copyOfRange(shape, a, shape.length);
            int cols = Shapes.size(normShape);
            int rows = cols == 0 ? 0 : x.size() / cols;
            int[] statShape = shape.clone();
            Arrays.fill(statShape, a, statShape.length, 1);
            double[] scale = broadcastTo(inputs[1], normShape, "Scale");
            double[] bias = inputs.length > 2 && inputs[2] != null ? broadcastTo(inputs[2], normShape, "B") : null;
            Tensor mean = wantMean ? Tensor.zeros(DType.FLOAT, statShape) : null;
            Tensor invStd = wantInvStd ? Tensor.zeros(DType.FLOAT, statShape) : null;
            if (x.dtype() == DType.FLOAT) {
                float[] y = BufferPool.floats(x.size());
                NormFloat.layerNorm(x.floats(), y, rows, cols, toFloats(scale), toFloats(bias), eps,
                        mean == null ? null : mean.floats(), invStd == null ? null : invStd.floats());
                return new Tensor[] {Tensor.of(y, shape), mean, invStd};
            }
            double[] y = new double[x.size()];
            double[] meanOut = new double[rows];
            double[] invOut = new double[rows];
            NormReference.layerNorm(FloatingArrays.toDoubles(x), y, rows, cols, scale, bias, eps, meanOut, invOut);
            for (int i = 0; i < rows; i++) {
                if (mean != null) {
                    mean.floats()[i] = (float) meanOut[i];
                }
                if (invStd != null) {
                    invStd.floats()[i] = (float) invOut[i];
                }
            }
            return new Tensor[] {FloatingArrays.fromDoubles(x.dtype(), shape, y), mean, invStd};
        };
    }

    /**
     * InstanceNormalization (one group per channel) and GroupNormalization. GroupNormalization's
     * scale and bias hold one value per group at opset 18 and one per channel from opset 21; both
     * layouts are recognised by their length.
     */
    private static Op groupNorm(OpContext ctx, boolean grouped) {
        Node n = ctx.node();
        float eps = n.getFloat("epsilon", 1e-5f);
        long groupsAttr = n.getInt("num_groups", -1);
        if (grouped && groupsAttr < 1) {
            throw ctx.unsupported("GroupNormalization needs a positive num_groups attribute");
        }
        String op = n.opType();
        return inputs -> {
            Tensor x = inputs[0];
            FloatingArrays.requireFloating(x, op);
            int[] shape = x.shapeRef();
            if (shape.length < 2) {
                throw new IllegalArgumentException(op + " needs an N x C x ... input, got " + Arrays.toString(shape));
            }
            int batch = shape[0];
            int channels = shape[1];
            int spatial = batch * channels == 0 ? 0 : x.size() / (batch * channels);
            int groups = grouped ? (int) groupsAttr : channels;
            if (groups == 0 || channels % groups != 0) {
                throw new IllegalArgumentException(op + ": " + channels + " channels do not split into "
                        + groups + " groups");
            }
            double[] scale = perChannel(inputs[1], channels, groups, op + " scale");
            double[] bias = perChannel(inputs[2], channels, groups, op + " bias");
            if (x.dtype() == DType.FLOAT) {
                float[] y = BufferPool.floats(x.size());
                NormFloat.groupNorm(x.floats(), y, batch, channels, spatial, groups, toFloats(scale),
                        toFloats(bias), eps);
                return new Tensor[] {Tensor.of(y, shape)};
            }
            double[] y = new double[x.size()];
            NormReference.groupNorm(FloatingArrays.toDoubles(x), y, batch, channels, spatial, groups, scale, bias, eps);
            return new Tensor[] {FloatingArrays.fromDoubles(x.dtype(), shape, y)};
        };
    }

    private static Op lpNorm(OpContext ctx) {
        int axis = (int) ctx.node().getInt("axis", -1);
        int p = (int) ctx.node().getInt("p", 2);
        if (p != 1 && p != 2) {
            throw ctx.unsupported("LpNormalization p=" + p + " (only 1 and 2 are defined)");
        }
        return inputs -> {
            Tensor x = inputs[0];
            FloatingArrays.requireFloating(x, "LpNormalization");
            int[] shape = x.shapeRef();
            int a = Shapes.axis(axis, shape.length);
            int outer = Shapes.size(Arrays.copyOfRange(shape, 0, a));
            int inner = Shapes.size(Arrays.copyOfRange(shape, a + 1, shape.length));
            double[] y = new double[x.size()];
            NormReference.lpNorm(FloatingArrays.toDoubles(x), y, outer, shape.length == 0 ? 1 : shape[a], inner, p);
            return new Tensor[] {FloatingArrays.fromDoubles(x.dtype(), shape, y)};
        };
    }

    private static Op meanVariance(OpContext ctx) {
        int[] axes = ctx.node().getIntArray("axes", new int[] {0, 2, 3});
        return inputs -> {
            Tensor x = inputs[0];
            FloatingArrays.requireFloating(x, "MeanVarianceNormalization");
            int[] shape = x.shapeRef();
            boolean[] reduced = new boolean[shape.length];
            for (int ax : axes) {
                reduced[Shapes.axis(ax, shape.length)] = true;
            }
            double[] y = new double[x.size()];
            NormReference.meanVariance(FloatingArrays.toDoubles(x), y, shape, reduced);
            return new Tensor[] {FloatingArrays.fromDoubles(x.dtype(), shape, y)};
        };
    }

    private static Op lrn(OpContext ctx) {
        Node n = ctx.node();
        int size = (int) n.getInt("size", 0);
        if (size < 1) {
            throw ctx.unsupported("LRN needs a positive size attribute");
        }
        double alpha = n.getFloat("alpha", 1e-4f);
        double beta = n.getFloat("beta", 0.75f);
        double bias = n.getFloat("bias", 1f);
        return inputs -> {
            Tensor x = inputs[0];
            FloatingArrays.requireFloating(x, "LRN");
            int[] shape = x.shapeRef();
            if (shape.length < 2) {
                throw new IllegalArgumentException("LRN needs an N x C x ... input, got " + Arrays.toString(shape));
            }
            int planes = shape[0] * shape[1];
            int inner = planes == 0 ? 0 : x.size() / planes;
            double[] y = new double[x.size()];
            NormReference.lrn(FloatingArrays.toDoubles(x), y, shape[0], shape[1], inner, size, alpha, beta, bias);
            return new Tensor[] {FloatingArrays.fromDoubles(x.dtype(), shape, y)};
        };
    }

    /** Expands a per-channel or per-group parameter to one value per channel. */
    private static double[] perChannel(Tensor t, int channels, int groups, String what) {
        if (t == null) {
            throw new IllegalArgumentException(what + " input is missing");
        }
        double[] v = FloatingArrays.toDoubles(t);
        if (v.length == channels) {
            return v;
        }
        if (v.length == groups) {
            double[] out = new double[channels];
            for (int c = 0; c < channels; c++) {
                out[c] = v[c / (channels / groups)];
            }
            return out;
        }
        throw new IllegalArgumentException(what + " has " + v.length + " values, expected " + channels
                + " (per channel) or " + groups + " (per group)");
    }

    /** The values of {@code t} broadcast (numpy-style, right-aligned) to {@code target}. */
    static double[] broadcastTo(Tensor t, int[] target, String what) {
        if (t == null) {
            throw new IllegalArgumentException(what + " input is missing");
        }
        int[] shape = t.shapeRef();
        int n = Shapes.size(target);
        if (t.size() == n && Arrays.equals(stripLeadingOnes(shape), stripLeadingOnes(target))) {
            return FloatingArrays.toDoubles(t);
        }
        int[] trimmed = stripLeadingOnes(shape);
        if (trimmed.length > target.length || !Arrays.equals(Shapes.broadcast(trimmed, target), target)) {
            throw new IllegalArgumentException(what + " " + Arrays.toString(shape) + " does not broadcast to "
                    + Arrays.toString(target));
        }
        int[] strides = Shapes.broadcastStrides(trimmed, target);
        double[] out = new double[n];
        int[] pos = new int[target.length];
        for (int i = 0; i < n; i++) {
            int src = 0;
            int rest = i;
            for (int d = target.length - 1; d >= 0; d--) {
                pos[d] = rest % target[d];
                rest /= target[d];
                src += pos[d] * strides[d];
            }
            out[i] = t.getDouble(src);
        }
        return out;
    }

    private static int[] stripLeadingOnes(int[] shape) {
        int i = 0;
        while (i < shape.length && shape[i] == 1) {
            i++;
        }
        return Arrays.copyOfRange(shape, i, shape.length);
    }

    static float[] toFloats(double[] v) {
        if (v == null) {
            return null;
        }
        float[] out = BufferPool.floats(v.length);
        for (int i = 0; i < v.length; i++) {
            out[i] = (float) v[i];
        }
        return out;
    }
}
