package dev.lowbit.ops;

import dev.lowbit.exec.Op;
import dev.lowbit.exec.OpContext;
import dev.lowbit.exec.OpRegistry;
import dev.lowbit.tensor.DType;
import dev.lowbit.tensor.Shapes;
import dev.lowbit.tensor.Tensor;
import dev.lowbit.tensor.kernels.IntConv;
import dev.lowbit.tensor.kernels.IntGemm;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * MatMulInteger and ConvInteger (8-bit inputs, exact int32 outputs), plus the shared batched
 * integer matmul and convolution-attribute handling that the QLinear ops build on.
 */
final class IntegerOps {
    private IntegerOps() {
    }

    static void register(OpRegistry r) {
        r.register("", "MatMulInteger", 10, IntegerOps::matMulInteger);
        r.register("", "ConvInteger", 10, ctx -> {
            ConvAttrs attrs = ConvAttrs.of(ctx);
            ConvAccumulation fast = ConvAccumulation.of(ctx, 1, 3, attrs);
            return inputs -> {
                Tensor x = inputs[0];
                Tensor w = inputs[1];
                boolean xu = QuantTensors.unsigned8(x, "ConvInteger x");
                boolean wu = QuantTensors.unsigned8(w, "ConvInteger w");
                int[] xz = QuantTensors.zeroPoints8(inputs.length > 2 ? inputs[2] : null, xu, "x_zero_point");
                int[] wz = QuantTensors.zeroPoints8(inputs.length > 3 ? inputs[3] : null, wu, "w_zero_point");
                if (xz.length != 1) {
                    throw new IllegalArgumentException("ConvInteger x_zero_point must be a scalar, got " + xz.length + " values");
                }
                Tensor wzT = inputs.length > 3 ? inputs[3] : null;
                Tensor acc = fast == null ? null : fast.accumulate(x, xu, xz[0], w, wzT);
                if (acc != null) {
                    return new Tensor[] {Tensor.of(ExactFloatAccumulation.toInts(acc), acc.shape())};
                }
                ConvResult res = attrs.convolve(x, xu, xz[0], w, wu, wz);
                return new Tensor[] {Tensor.of(res.acc(), res.shape())};
            };
        });
    }

    /**
     * A constant 2-D B (and its constant zero point) widened once at load time. It is used only
     * when the run receives those very tensors, so overriding the initializers stays correct.
     */
    record PackedB(Tensor b, Tensor zeroPoint, int[] packed) {
        /** Packs input {@code bIndex} when it and zero-point input {@code zpIndex} are constants; else null. */
        static PackedB of(OpContext ctx, int bIndex, int zpIndex) {
            Tensor b = ctx.constantInput(bIndex);
            Tensor zp = ctx.constantInput(zpIndex);
            if (b == null || b.rank() != 2 || (ctx.node().hasInput(zpIndex) && zp == null)) {
                return null;
            }
            boolean bu = QuantTensors.unsigned8(b, ctx.node().opType() + " B");
            int[] bz = QuantTensors.zeroPoints8(zp, bu, "b_zero_point");
            QuantTensors.checkCount(bz.length, b.dim(1), "b_zero_point");
            return new PackedB(b, zp, IntGemm.packB(b.bytes(), 0, bu, b.dim(0), b.dim(1), bz));
        }

        /** The packed matrix if the run's B and zero point are the constants it was built from. */
        int[] packedFor(Tensor runB, Tensor runZeroPoint) {
            return runB == b && runZeroPoint == zeroPoint ? packed : null;
        }
    }

    private static Op matMulInteger(OpContext ctx) {
        MatMulAccumulation accumulation = MatMulAccumulation.of(ctx, 1, 3);
        return inputs -> {
            Tensor a = inputs[0];
            Tensor b = inputs[1];
            Tensor bzT = inputs.length > 3 ? inputs[3] : null;
            boolean au = QuantTensors.unsigned8(a, "MatMulInteger A");
            boolean bu = QuantTensors.unsigned8(b, "MatMulInteger B");
            int[] az = QuantTensors.zeroPoints8(inputs.length > 2 ? inputs[2] : null, au, "a_zero_point");
            int[] bz = QuantTensors.zeroPoints8(bzT, bu, "b_zero_point");
            MatMulResult res = accumulation.accumulateInts(a, au, az, b, bu, bz, bzT);
            return new Tensor[] {Tensor.of(res.acc(), res.shape())};
        };
    }

    /** {@link #matmul} computed by the float kernels (exact, see ExactFloatAccumulation); B has {@code n} columns. */
    static MatMulResult exactMatmul(ExactFloatAccumulation exact, Tensor a, boolean au, int az, int n) {
        Tensor acc = exact.accumulate(a, au, az);
        int m = a.rank() == 1 ? 1 : a.dim(a.rank() - 2);
        return new MatMulResult(ExactFloatAccumulation.toInts(acc), acc.shape(), m, n);
    }

    /** Flat int32 accumulators and their shape. */
    record MatMulResult(int[] acc, int[] shape, int m, int n) {
    }

    /**
     * numpy-style batched matmul of 8-bit A [..., M, K] and B [..., K, N] with zero points
     * {@code az} (1 or M values, per row) and {@code bz} (1 or N values, per column).
     */
    static MatMulResult matmul(Tensor a, boolean au, int[] az, Tensor b, boolean bu, int[] bz, int[] prepackedB) {
        int[] as = a.rank() == 1 ? new int[] {1, a.dim(0)} : a.shapeRef();
        int[] bs = b.rank() == 1 ? new int[] {b.dim(0), 1} : b.shapeRef();
        if (a.rank() == 0 || b.rank() == 0) {
            throw new IllegalArgumentException("integer matmul needs inputs of rank >= 1");
        }
        int m = as[as.length - 2];
        int k = as[as.length - 1];
        int n = bs[bs.length - 1];
        if (bs[bs.length - 2] != k) {
            throw new IllegalArgumentException("matmul shapes " + Arrays.toString(a.shapeRef()) + " and "
                    + Arrays.toString(b.shapeRef()) + " do not match");
        }
        QuantTensors.checkCount(az.length, m, "A zero point");
        QuantTensors.checkCount(bz.length, n, "B zero point");
        int[] aBatch = Arrays.copyOf(as, as.length - 2);
        int[] bBatch = Arrays.copyOf(bs, bs.length - 2);
        int[] batch = Shapes.broadcast(aBatch, bBatch);
        int[] aStr = Shapes.broadcastStrides(aBatch, batch);
        int[] bStr = Shapes.broadcastStrides(bBatch, batch);
        int batches = Shapes.size(batch);
        int[] acc = new int[batches * m * n];
        Map<Integer, int[]> packed = new HashMap<>();
        if (prepackedB != null) {
            packed.put(0, prepackedB);
        }
        int[] idx = new int[batch.length];
        for (int t = 0; t < batches; t++) {
            int aIdx = 0;
            int bIdx = 0;
            for (int d = 0; d < batch.length; d++) {
                aIdx += idx[d] * aStr[d];
                bIdx += idx[d] * bStr[d];
            }
            int bOff = bIdx * k * n;
            int[] pb = packed.computeIfAbsent(bOff, off -> IntGemm.packB(b.bytes(), off, bu, k, n, bz));
            IntGemm.multiply(a.bytes(), aIdx * m * k, au, az, m, k, pb, n, acc, t * m * n);
            for (int d = batch.length - 1; d >= 0 && ++idx[d] == batch[d]; d--) {
                idx[d] = 0;
            }
        }
        int[] shape = Arrays.copyOf(batch, batch.length + 2);
        shape[batch.length] = m;
        shape[batch.length + 1] = n;
        if (b.rank() == 1) {
            shape = Arrays.copyOf(shape, shape.length - 1);
        }
        if (a.rank() == 1) {
            int[] s = new int[shape.length - 1];
            System.arraycopy(shape, 0, s, 0, batch.length);
            System.arraycopy(shape, batch.length + 1, s, batch.length, s.length - batch.length);
            shape = s;
        }
        return new MatMulResult(acc, shape, m, n);
    }

    /** Conv accumulators [N, M, out...] and the number of output channels. */
    record ConvResult(int[] acc, int[] shape, int outChannels, int spatial) {
    }

    /** Conv attributes validated at load time. */
    record ConvAttrs(int[] kernelShape, int[] strides, int[] dilations, int[] pads, String autoPad, int group) {
        static ConvAttrs of(OpContext ctx) {
            var n = ctx.node();
            String autoPad = n.getString("auto_pad", "NOTSET");
            if (!autoPad.equals("NOTSET") && !autoPad.equals("VALID") && !autoPad.equals("SAME_UPPER")
                    && !autoPad.equals("SAME_LOWER")) {
                throw ctx.unsupported("auto_pad '" + autoPad + "'");
            }
            int group = (int) n.getInt("group", 1);
            if (group < 1) {
                throw ctx.unsupported("group " + group);
            }
            return new ConvAttrs(n.getIntArray("kernel_shape", null), n.getIntArray("strides", null),
                    n.getIntArray("dilations", null), n.getIntArray("pads", null), autoPad, group);
        }

        /** Integer convolution of x [N, C, in...] with w [M, C/group, k...]; {@code wz} has 1 or M values. */
        ConvResult convolve(Tensor x, boolean xu, int xz, Tensor w, boolean wu, int[] wz) {
            int d = x.rank() - 2;
            if (d < 1 || w.rank() != x.rank()) {
                throw new IllegalArgumentException("conv input " + Arrays.toString(x.shapeRef()) + " and weight "
                        + Arrays.toString(w.shapeRef()) + " ranks do not fit");
            }
            int batch = x.dim(0);
            int channels = x.dim(1);
            int outChannels = w.dim(0);
            if (channels % group != 0 || outChannels % group != 0 || w.dim(1) != channels / group) {
                throw new IllegalArgumentException("conv channels " + channels + " / weight " + Arrays.toString(w.shapeRef())
                        + " do not fit group " + group);
            }
            QuantTensors.checkCount(wz.length, outChannels, "weight zero point");
            int[] in = Arrays.copyOfRange(x.shapeRef(), 2, x.rank());
            int[] kernel = Arrays.copyOfRange(w.shapeRef(), 2, w.rank());
            if (kernelShape != null && !Arrays.equals(kernelShape, kernel)) {
                throw new IllegalArgumentException("kernel_shape " + Arrays.toString(kernelShape) + " differs from weight shape");
            }
            int[] s = strides != null ? strides : ones(d);
            int[] dil = dilations != null ? dilations : ones(d);
            IntConv.Geometry g = IntConv.Geometry.of(in, kernel, s, dil, pads, autoPad);
            int[] acc = IntConv.convolve(x.bytes(), xu, xz, batch, channels, w.bytes(), wu, wz, outChannels, group, g);
            int[] shape = new int[d + 2];
            shape[0] = batch;
            shape[1] = outChannels;
            System.arraycopy(g.out(), 0, shape, 2, d);
            return new ConvResult(acc, shape, outChannels, g.outSize());
        }

        private static int[] ones(int d) {
            int[] v = new int[d];
            Arrays.fill(v, 1);
            return v;
        }
    }

    /** Int32 tensor check used by the bias inputs. */
    static int[] int32Values(Tensor t, String what) {
        if (t.dtype() != DType.INT32) {
            throw new IllegalArgumentException(what + " must be int32, got " + t.dtype().onnxName());
        }
        return t.ints();
    }
}
