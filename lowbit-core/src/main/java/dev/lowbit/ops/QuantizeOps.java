package dev.lowbit.ops;

import dev.lowbit.exec.OpContext;
import dev.lowbit.exec.OpRegistry;
import dev.lowbit.UnsupportedOpException;
import dev.lowbit.quant.QuantMath;
import dev.lowbit.quant.QuantMath.Layout;
import dev.lowbit.tensor.DType;
import dev.lowbit.tensor.Shapes;
import dev.lowbit.tensor.Parallel;
import dev.lowbit.tensor.Tensor;
import dev.lowbit.tensor.kernels.IntQuantize;
import java.util.Arrays;

/**
 * QuantizeLinear, DequantizeLinear (opsets 10, 13, 19, 21: per tensor, per axis, blocked) and
 * DynamicQuantizeLinear, on float32 data and scales with 8/16-bit integer types. Float8 and
 * 4-bit types are reported unsupported.
 */
final class QuantizeOps {
    private QuantizeOps() {
    }

    static void register(OpRegistry r) {
        r.register("", "QuantizeLinear", 10, QuantizeOps::quantizeLinear);
        r.register("", "DequantizeLinear", 10, QuantizeOps::dequantizeLinear);
        r.register("", "DynamicQuantizeLinear", 11, ctx -> inputs -> dynamicQuantize(inputs[0]));
    }

    /** Axis and block size as the node's opset defines them (axis from 13, block_size from 21). */
    private record Params(int axis, int blockSize) {
        static Params of(OpContext ctx) {
            int axis = ctx.opset() >= 13 ? (int) ctx.node().getInt("axis", 1) : 1;
            int block = ctx.opset() >= 21 ? (int) ctx.node().getInt("block_size", 0) : 0;
            if (block < 0) {
                throw ctx.unsupported("negative block_size " + block);
            }
            return new Params(axis, block);
        }

        /** The layout that maps {@code scale} (and zero point) onto data of {@code shape}. */
        Layout layout(int[] shape, Tensor scale, Tensor zeroPoint) {
            int n = Shapes.size(shape);
            if (zeroPoint != null && !Arrays.equals(zeroPoint.shapeRef(), scale.shapeRef())) {
                throw new IllegalArgumentException("zero point shape " + Arrays.toString(zeroPoint.shapeRef())
                        + " differs from scale shape " + Arrays.toString(scale.shapeRef()));
            }
            if (blockSize == 0 && scale.size() == 1 && scale.rank() <= 1) {
                return Layout.perTensor(n);
            }
            int a = Shapes.axis(axis, shape.length);
            if (blockSize == 0) {
                if (scale.rank() != 1 || scale.size() != shape[a]) {
                    throw new IllegalArgumentException("per-axis scale shape " + Arrays.toString(scale.shapeRef())
                            + " does not match axis " + a + " of data shape " + Arrays.toString(shape));
                }
                return Layout.perAxis(shape, a);
            }
            int[] expected = shape.clone();
            expected[a] = (shape[a] + blockSize - 1) / blockSize;
            if (!Arrays.equals(expected, scale.shapeRef())) {
                throw new IllegalArgumentException("blocked scale shape " + Arrays.toString(scale.shapeRef())
                        + " should be " + Arrays.toString(expected) + " for block_size " + blockSize);
            }
            return Layout.blocked(shape, a, blockSize);
        }
    }

    private static dev.lowbit.exec.Op quantizeLinear(OpContext ctx) {
        Params p = Params.of(ctx);
        DType declared = null;
        if (ctx.opset() >= 21 && ctx.node().getInt("output_dtype", 0) != 0) {
            declared = DType.fromOnnx((int) ctx.node().getInt("output_dtype", 0));
        }
        DType outputDtype = declared;
        if (outputDtype != null && !QuantTensors.isQuantType(outputDtype)) {
            throw ctx.unsupported("output_dtype " + outputDtype.onnxName());
        }
        return inputs -> {
            Tensor x = inputs[0];
            Tensor scale = inputs[1];
            Tensor zp = inputs.length > 2 ? inputs[2] : null;
            if (x.dtype() != DType.FLOAT) {
                throw new UnsupportedOpException("QuantizeLinear input of type " + x.dtype().onnxName() + " is not supported (float only)");
            }
            DType out = zp != null ? zp.dtype() : outputDtype != null ? outputDtype : DType.UINT8;
            if (!QuantTensors.isQuantType(out)) {
                throw new UnsupportedOpException("QuantizeLinear output type " + out.onnxName() + " is not supported");
            }
            Layout l = p.layout(x.shapeRef(), scale, zp);
            // A byte clamp the engine folded in (OpRegistry.CLAMP_LOW): saturating to the narrower
            // range equals saturating then clamping, as both bounds are integers.
            int qmin = (int) Math.max(out.minValue(), ctx.node().getInt(OpRegistry.CLAMP_LOW, Long.MIN_VALUE));
            int qmax = (int) Math.min(out.maxValue(), ctx.node().getInt(OpRegistry.CLAMP_HIGH, Long.MAX_VALUE));
            if ((out == DType.UINT8 || out == DType.INT8) && scale.size() == 1 && p.blockSize() == 0) {
                return new Tensor[] {perTensorBytes(x, QuantTensors.scalarScale(scale, "QuantizeLinear scale"),
                        zp == null ? 0 : QuantTensors.ints(zp)[0], out, qmin, qmax)};
            }
            int[] q = new int[x.size()];
            QuantMath.quantize(x.floats(), l, QuantTensors.scales(scale, "QuantizeLinear scale"),
                    zp == null ? null : QuantTensors.ints(zp), qmin, qmax, q);
            return new Tensor[] {QuantTensors.fromInts(q, out, x.shapeRef())};
        };
    }

    /** The common case, per tensor to 8 bits: {@link IntQuantize#quantizeToBytes} in parallel runs. */
    private static Tensor perTensorBytes(Tensor x, float scale, int zp, DType out, int qmin, int qmax) {
        float[] xf = x.floats();
        Tensor y = Tensor.zeros(out, x.shapeRef());
        byte[] q = y.bytes();
        Parallel.forRange(xf.length, 1 << 15, (start, end) ->
                IntQuantize.quantizeToBytes(xf, start, end - start, scale, zp, qmin, qmax, q, start));
        return y;
    }

    private static dev.lowbit.exec.Op dequantizeLinear(OpContext ctx) {
        Params p = Params.of(ctx);
        return inputs -> {
            Tensor x = inputs[0];
            Tensor scale = inputs[1];
            Tensor zp = inputs.length > 2 ? inputs[2] : null;
            if (!QuantTensors.isQuantType(x.dtype()) && x.dtype() != DType.INT32) {
                throw new UnsupportedOpException("DequantizeLinear input of type " + x.dtype().onnxName() + " is not supported");
            }
            if (zp != null && zp.dtype() != x.dtype()) {
                throw new IllegalArgumentException("DequantizeLinear zero point type " + zp.dtype().onnxName()
                        + " differs from input type " + x.dtype().onnxName());
            }
            Layout l = p.layout(x.shapeRef(), scale, zp);
            float[] y = new float[x.size()];
            float[] scales = QuantTensors.scales(scale, "DequantizeLinear scale");
            int[] zeroPoints = zp == null ? null : QuantTensors.ints(zp);
            if (x.dtype() == DType.UINT8 || x.dtype() == DType.INT8) {
                QuantMath.dequantize(x.bytes(), x.dtype() == DType.UINT8, l, scales, zeroPoints, y);
            } else {
                QuantMath.dequantize(QuantTensors.ints(x), l, scales, zeroPoints, y);
            }
            return new Tensor[] {Tensor.of(y, x.shapeRef())};
        };
    }

    private static Tensor[] dynamicQuantize(Tensor x) {
        if (x.dtype() != DType.FLOAT) {
            throw new UnsupportedOpException("DynamicQuantizeLinear input of type " + x.dtype().onnxName() + " is not supported (float only)");
        }
        QuantMath.DynamicParams params = QuantMath.dynamicUint8(x.floats());
        int[] q = new int[x.size()];
        QuantMath.quantize(x.floats(), Layout.perTensor(q.length), new float[] {params.scale()},
                new int[] {params.zeroPoint()}, 0, 255, q);
        Tensor zp = Tensor.zeros(DType.UINT8);
        zp.bytes()[0] = (byte) params.zeroPoint();
        return new Tensor[] {QuantTensors.fromInts(q, DType.UINT8, x.shapeRef()), Tensor.scalar(params.scale()), zp};
    }
}
