package dev.lowbit.grad;

import dev.lowbit.UnsupportedOpException;
import dev.lowbit.tensor.DType;
import dev.lowbit.tensor.Shapes;
import dev.lowbit.tensor.Tensor;

/**
 * QuantizeLinear → DequantizeLinear pairs as fake quantization with the straight-through estimator.
 * The integer tensor between them carries a float "gradient": DequantizeLinear passes dy·scale to it,
 * QuantizeLinear passes that divided by the scale where round(x/scale)+zero_point lies inside the
 * integer range and zero where it saturated, so the pair's gradient is dy inside the clamp range and
 * zero outside. (Scales and zero points are not differentiated.)
 */
final class FakeQuantGrad implements GradRegistry.Family {
    @Override
    public void register(GradRegistry r) {
        r.register("QuantizeLinear", FakeQuantGrad::quantize);
        r.register("DequantizeLinear", FakeQuantGrad::dequantize);
    }

    /** Index of the scale that applies to each element (per tensor: all 0). */
    private static int channelOf(int i, int channels, int inner) {
        return channels == 1 ? 0 : (i / inner) % channels;
    }

    private static int inner(GradOp.Saved s, Tensor x, int channels) {
        if (s.node().getInt("block_size", 0) != 0) {
            throw new UnsupportedOpException(s.node().label() + ": blocked quantization has no gradient rule");
        }
        if (channels == 1) {
            return 1;
        }
        int axis = Shapes.axis((int) s.node().getInt("axis", 1), x.rank());
        return GradTensors.prod(x.shapeRef(), axis + 1, x.rank());
    }

    private static Tensor[] quantize(GradOp.Saved s, Tensor[] dOut, boolean[] need) {
        Tensor x = s.input(0);
        float[] xs = x.floats(), scale = GradTensors.floats(s.input(1)), g = dOut[0].floats();
        float[] zp = s.input(2) == null ? new float[scale.length] : GradTensors.floats(s.input(2));
        DType t = s.outputs()[0].dtype();
        double qmin, qmax;
        switch (t) {
            case INT8 -> { qmin = -128; qmax = 127; }
            case UINT8 -> { qmin = 0; qmax = 255; }
            case INT16 -> { qmin = -32768; qmax = 32767; }
            case UINT16 -> { qmin = 0; qmax = 65535; }
            case INT32 -> { qmin = Integer.MIN_VALUE; qmax = Integer.MAX_VALUE; }
            default -> throw new UnsupportedOpException(s.node().label() + ": no STE gradient for QuantizeLinear to "
                    + t.onnxName());
        }
        int inner = inner(s, x, scale.length);
        float[] dx = new float[xs.length];
        for (int i = 0; i < xs.length; i++) {
            int c = channelOf(i, scale.length, inner);
            double v = Math.rint(xs[i] / scale[c]) + zp[c];
            dx[i] = v >= qmin && v <= qmax ? g[i] / scale[c] : 0f;
        }
        Tensor[] r = new Tensor[need.length];
        r[0] = Tensor.of(dx, x.shape());
        return r;
    }

    private static Tensor[] dequantize(GradOp.Saved s, Tensor[] dOut, boolean[] need) {
        Tensor q = s.input(0);
        float[] scale = GradTensors.floats(s.input(1)), g = dOut[0].floats();
        int inner = inner(s, q, scale.length);
        float[] dq = new float[g.length];
        for (int i = 0; i < g.length; i++) {
            dq[i] = g[i] * scale[channelOf(i, scale.length, inner)];
        }
        Tensor[] r = new Tensor[need.length];
        r[0] = Tensor.of(dq, q.shape());
        return r;
    }
}
