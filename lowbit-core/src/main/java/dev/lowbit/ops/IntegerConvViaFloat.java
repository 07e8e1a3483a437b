package dev.lowbit.ops;

import dev.lowbit.exec.Op;
import dev.lowbit.exec.OpContext;
import dev.lowbit.onnx.Graph;
import dev.lowbit.onnx.Node;
import dev.lowbit.tensor.DType;
import dev.lowbit.tensor.Parallel;
import dev.lowbit.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;

/**
 * A QLinearConv with constant weights and bias computed by lowbit's float Conv on the centred
 * values, several times faster than the int32 kernels, with the same result bit for bit: the
 * integer accumulator {@code sum (x - xz)(w - wz) + bias} is exact, not approximate. Every product
 * and every partial sum, in whatever order a float kernel adds them, is an integer no larger in
 * magnitude than {@code max|x - xz| * max over filters of sum|w - wz| + max|bias|}; while that
 * bound is below 2^24, float32 represents all of them and no operation rounds. The accumulator is
 * then requantized as ORT does ({@code rint(float(acc) * multiplier) + yz}, saturated). An input
 * beyond the bound is left to the integer kernels ({@link #run} returns null).
 */
final class IntegerConvViaFloat {
    private static final long EXACT_LIMIT = 1L << 24;
    /** Adding and subtracting 1.5 * 2^23 rounds a float below 2^22 in magnitude to an integer, ties to even. */
    private static final float ROUNDING_MAGIC = 12582912f;

    private final Tensor weights;
    private final Tensor weightZeroPoint;
    private final Tensor bias;
    private final Tensor centredWeights;
    private final Tensor floatBias;
    /** The largest sum of |w - wz| over one filter's taps, and the largest |bias|. */
    private final long weightBound;
    private final long biasBound;
    private final Op floatConv;

    private IntegerConvViaFloat(Tensor weights, Tensor weightZeroPoint, Tensor bias, Tensor centredWeights, Tensor floatBias,
            long weightBound, long biasBound, Op floatConv) {
        this.weights = weights;
        this.weightZeroPoint = weightZeroPoint;
        this.bias = bias;
        this.centredWeights = centredWeights;
        this.floatBias = floatBias;
        this.weightBound = weightBound;
        this.biasBound = biasBound;
        this.floatConv = floatConv;
    }

    /**
     * The float path of a QLinearConv node whose weight (input 3), weight zero point (input 5) and
     * bias (input 8, if any) are constants; else null.
     */
    static IntegerConvViaFloat of(OpContext ctx) {
        Node n = ctx.node();
        Tensor w = ctx.constantInput(3);
        Tensor wzT = ctx.constantInput(5);
        Tensor b = ctx.constantInput(8);
        if (w == null || (n.hasInput(5) && wzT == null) || (n.hasInput(8) && (b == null || b.dtype() != DType.INT32))
                || w.rank() < 3 || (w.dtype() != DType.UINT8 && w.dtype() != DType.INT8)) {
            return null;
        }
        boolean wu = w.dtype() == DType.UINT8;
        int[] wz = QuantTensors.zeroPoints8(wzT, wu, "w_zero_point");
        int filters = w.dim(0);
        int k = w.size() / filters;
        if ((wz.length != 1 && wz.length != filters) || (b != null && b.size() != filters)) {
            return null;
        }
        float[] centred = new float[w.size()];
        long weightBound = 0;
        byte[] bytes = w.bytes();
        for (int f = 0; f < filters; f++) {
            int z = wz.length == 1 ? wz[0] : wz[f];
            long l1 = 0;
            for (int i = f * k; i < (f + 1) * k; i++) {
                int v = MlasConversions.value(bytes[i], wu) - z;
                centred[i] = v;
                l1 += Math.abs(v);
            }
            weightBound = Math.max(weightBound, l1);
        }
        long biasBound = 0;
        Tensor floatBias = null;
        if (b != null) {
            float[] fb = new float[filters];
            for (int f = 0; f < filters; f++) {
                fb[f] = b.ints()[f];
                biasBound = Math.max(biasBound, Math.abs((long) b.ints()[f]));
            }
            floatBias = Tensor.of(fb, filters);
        }
        if (biasBound >= EXACT_LIMIT) {
            return null;
        }
        Tensor centredWeights = Tensor.of(centred, w.shape());
        // lowbit's Conv, built on a one-node graph whose initializers it packs once.
        Graph g = new Graph("integer-conv");
        g.setInitializer("w", centredWeights);
        List<String> inputs = new ArrayList<>(List.of("x", "w"));
        if (floatBias != null) {
            g.setInitializer("b", floatBias);
            inputs.add("b");
        }
        Node conv = new Node("Conv", n.name(), inputs, List.of("y"));
        for (String a : List.of("auto_pad", "dilations", "group", "kernel_shape", "pads", "strides")) {
            if (n.has(a)) {
                conv.set(n.attributes().get(a));
            }
        }
        g.addNode(conv);
        Op op = ConvForward.create(new OpContext(conv, ctx.opset(), g));
        return new IntegerConvViaFloat(w, wzT, b, centredWeights, floatBias, weightBound, biasBound, op);
    }

    /**
     * The QLinearConv output, [N, M, out...] of the type of {@code yz}, requantized with one
     * multiplier per filter; null when this run's weights or bias are not the constants this was
     * built from, or its input (whose actual range is checked on every run) breaks the exactness
     * bound.
     */
    Tensor run(Tensor x, boolean xu, int xz, Tensor runWeights, Tensor runWeightZeroPoint, Tensor runBias, float[] mult,
            Tensor yz) {
        if (runWeights != weights || runWeightZeroPoint != weightZeroPoint || runBias != bias) {
            return null;
        }
        byte[] in = x.bytes();
        float[] centred = new float[in.length];
        int max = 0;
        for (int i = 0; i < in.length; i++) {
            int v = MlasConversions.value(in[i], xu) - xz;
            centred[i] = v;
            max = Math.max(max, Math.abs(v));
        }
        if (max * weightBound + biasBound >= EXACT_LIMIT) {
            return null;
        }
        Tensor[] in3 = floatBias == null ? new Tensor[] {Tensor.of(centred, x.shape()), centredWeights}
                : new Tensor[] {Tensor.of(centred, x.shape()), centredWeights, floatBias};
        Tensor acc = floatConv.run(in3)[0];
        return requantize(acc, mult, yz);
    }

    /** {@code saturate(rint(acc * mult[filter]) + yz)} per plane: QuantMath.requantize on exact float accumulators. */
    private static Tensor requantize(Tensor acc, float[] mult, Tensor yzT) {
        Tensor out = Tensor.zeros(yzT.dtype(), acc.shapeRef());
        boolean unsigned = yzT.dtype() == DType.UINT8;
        int yz = QuantTensors.ints(yzT)[0];
        float lo = (unsigned ? 0 : -128) - yz;
        float hi = (unsigned ? 255 : 127) - yz;
        float[] a = acc.floats();
        byte[] q = out.bytes();
        int filters = acc.dim(1);
        int planes = acc.dim(0) * filters;
        int spatial = planes == 0 ? 0 : a.length / planes;
        Parallel.forRange(planes, Math.max(1, 16384 / Math.max(1, spatial)), (start, end) -> {
            for (int p = start; p < end; p++) {
                float m = mult[p % filters];
                for (int i = p * spatial, e = i + spatial; i < e; i++) {
                    // clamped first (the bounds are integers, so clamping commutes with rounding), then rounded half to even
                    float v = Math.min(Math.max(a[i] * m, lo), hi);
                    q[i] = (byte) ((int) ((v + ROUNDING_MAGIC) - ROUNDING_MAGIC) + yz);
                }
            }
        });
        return out;
    }
}
