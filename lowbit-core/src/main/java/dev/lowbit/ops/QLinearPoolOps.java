package dev.lowbit.ops;

import static dev.lowbit.ops.MlasConversions.cvtps2dq;
import static dev.lowbit.ops.MlasConversions.pack8;
import static dev.lowbit.ops.MlasConversions.value;

import dev.lowbit.exec.Op;
import dev.lowbit.exec.OpContext;
import dev.lowbit.exec.OpRegistry;
import dev.lowbit.onnx.Node;
import dev.lowbit.tensor.Parallel;
import dev.lowbit.tensor.Tensor;
import dev.lowbit.tensor.kernels.PoolGeometry;
import java.util.Arrays;

/**
 * ONNX Runtime's contrib QLinearGlobalAveragePool and QLinearAveragePool (domain com.microsoft),
 * what its QDQ optimiser makes of {@code DQ -> GlobalAveragePool|AveragePool -> Q}: inputs (X,
 * X_scale, X_zp, Y_scale, Y_zp), per-tensor 8-bit parameters, NCHW or (channels_last) NHWC.
 * Bit-exact with ORT:
 *
 * <ul>
 * <li>Global pooling ({@code MlasQLinearGlobalAveragePoolNchw/Nhwc}, mlas/lib/qlgavgpool.cpp): the
 *     exact int32 sum of an image minus {@code zX * size}, times {@code sX / (sY * size)} in float,
 *     clamped to [qmin - zY, qmax - zY] (MAXPS/MINPS), rounded by CVTPS2DQ, plus zY. ORT refuses
 *     images of 2^24 values or more and scale ratios outside [2^-32, 256).
 * <li>Windowed pooling ({@code QLinearAveragePool::ComputeImpl} and the QLinearPool*Task structs,
 *     contrib_ops/cpu/quantization/qlinear_pool.cc): a kernel that covers the whole image without
 *     padding is the global pool above; otherwise every value is dequantized in float
 *     ({@code sX * (x - zX)}), summed window by window in row-major order, divided by the count (the
 *     kernel size with count_include_pad, else the window clipped to the image: ORT clips window
 *     ends at the image, not at the end padding) and quantized as {@code rint(y / sY + zY)}.
 * </ul>
 */
final class QLinearPoolOps implements OpRegistry.Family {
    private static final String MS = "com.microsoft";

    @Override
    public void register(OpRegistry r) {
        r.register(MS, "QLinearGlobalAveragePool", 1, QLinearPoolOps::global);
        r.register(MS, "QLinearAveragePool", 1, QLinearPoolOps::average);
    }

    /** The quantization parameters of a pooling node and the layout it reads. */
    private record Params(float xs, int xz, float ys, int yz, boolean unsigned, boolean channelsLast) {
        static Params of(String op, Tensor[] in, boolean channelsLast) {
            Tensor x = in[0];
            boolean u = QuantTensors.unsigned8(x, op + " X");
            return new Params(QuantTensors.scalarScale(in[1], op + " x_scale"),
                    QuantTensors.scalarZeroPoint(in[2], x.dtype(), op + " x_zero_point"),
                    QuantTensors.scalarScale(in[3], op + " y_scale"),
                    QuantTensors.scalarZeroPoint(in.length > 4 ? in[4] : null, x.dtype(), op + " y_zero_point"), u, channelsLast);
        }
    }

    private static Op global(OpContext ctx) {
        boolean channelsLast = ctx.node().getInt("channels_last", 0) != 0;
        return inputs -> {
            Tensor x = inputs[0];
            Params p = Params.of("QLinearGlobalAveragePool", inputs, channelsLast);
            int[] shape = x.shapeRef();
            checkRank(shape, "QLinearGlobalAveragePool");
            int[] outShape = shape.clone();
            int first = channelsLast ? 1 : 2;
            Arrays.fill(outShape, first, first + shape.length - 2, 1);
            int channels = channelsLast ? shape[shape.length - 1] : shape[1];
            int image = imageSize(shape, channelsLast);
            Tensor out = Tensor.zeros(x.dtype(), outShape);
            globalPool(x.bytes(), out.bytes(), shape[0], channels, image, p);
            return new Tensor[] {out};
        };
    }

    /** MlasQLinearGlobalAveragePool: one output per (batch, channel) from the integer sum of its image. */
    private static void globalPool(byte[] x, byte[] y, int batch, int channels, int image, Params p) {
        float scale = p.xs() / (p.ys() * (float) image);
        if (image >= 0x1000000 || scale < 0x1.0p-32f || scale >= 256.0f) {
            throw new IllegalArgumentException("QLinearGlobalAveragePool parameter out of computation range "
                    + "(ONNX Runtime refuses it): scale ratio " + scale + ", image of " + image + " values");
        }
        int bias = -p.xz() * image;
        boolean u = p.unsigned();
        float lo = (float) ((u ? 0 : -128) - p.yz());
        float hi = (float) ((u ? 255 : 127) - p.yz());
        // NHWC with one channel is NCHW: ORT takes the NCHW kernel then too.
        boolean nhwc = p.channelsLast() && channels > 1;
        Parallel.forRange(batch * channels, Math.max(1, 16384 / Math.max(1, image)), (start, end) -> {
            for (int plane = start; plane < end; plane++) {
                int base = nhwc ? (plane / channels) * image * channels + plane % channels : plane * image;
                int step = nhwc ? channels : 1;
                int sum = bias;
                for (int i = 0, at = base; i < image; i++, at += step) {
                    sum += value(x[at], u);
                }
                float v = (float) sum * scale;
                v = v > lo ? v : lo; // MAXPS: the second operand when unordered
                v = v < hi ? v : hi; // MINPS
                y[plane] = (byte) (cvtps2dq(v) + p.yz());
            }
        });
    }

    private static Op average(OpContext ctx) {
        Node n = ctx.node();
        int[] kernel = n.getIntArray("kernel_shape", null);
        if (kernel == null || kernel.length == 0) {
            throw ctx.unsupported("kernel_shape attribute is required");
        }
        int k = kernel.length;
        int[] strides = n.getIntArray("strides", ones(k));
        int[] dilations = n.getIntArray("dilations", ones(k));
        int[] pads = n.getIntArray("pads", null);
        String autoPad = n.getString("auto_pad", "NOTSET");
        boolean ceilMode = n.getInt("ceil_mode", 0) != 0;
        boolean includePad = n.getInt("count_include_pad", 0) != 0;
        boolean channelsLast = n.getInt("channels_last", 0) != 0;
        return inputs -> {
            Tensor x = inputs[0];
            Params p = Params.of("QLinearAveragePool", inputs, channelsLast);
            int[] shape = x.shapeRef();
            checkRank(shape, "QLinearAveragePool");
            int[] spatial = channelsLast ? Arrays.copyOfRange(shape, 1, shape.length - 1) : Arrays.copyOfRange(shape, 2, shape.length);
            int channels = channelsLast ? shape[shape.length - 1] : shape[1];
            // ORT sizes the output with its pooling attributes (dilations included), then walks windows without dilation.
            PoolGeometry g = PoolGeometry.of(spatial, kernel, strides, dilations, pads, autoPad, ceilMode);
            int[] outShape = shape.clone();
            System.arraycopy(g.out(), 0, outShape, channelsLast ? 1 : 2, k);
            Tensor out = Tensor.zeros(x.dtype(), outShape);
            boolean noPads = Arrays.stream(g.padBegin()).allMatch(v -> v == 0) && Arrays.stream(g.padEnd()).allMatch(v -> v == 0);
            if (Arrays.equals(spatial, kernel) && noPads) {
                globalPool(x.bytes(), out.bytes(), shape[0], channels, imageSize(shape, channelsLast), p);
            } else {
                windows(x.bytes(), out.bytes(), shape[0], channels, g, includePad, p);
            }
            return new Tensor[] {out};
        };
    }

    /** The float path of qlinear_pool.cc for any number of spatial dims, one (batch, channel) plane per task. */
    private static void windows(byte[] x, byte[] y, int batch, int channels, PoolGeometry g, boolean includePad, Params p) {
        float[] dequantized = new float[256];
        for (int i = 0; i < 256; i++) {
            dequantized[i] = p.xs() * (float) (value((byte) i, p.unsigned()) - p.xz());
        }
        int k = g.rank();
        int[] in = g.in();
        int inPlane = g.inPlaneSize();
        int outPlane = g.outPlaneSize();
        int kernelSize = 1;
        for (int d = 0; d < k; d++) {
            kernelSize *= g.kernel()[d];
        }
        int size = kernelSize;
        boolean nhwc = p.channelsLast();
        int qmin = p.unsigned() ? 0 : -128;
        int qmax = p.unsigned() ? 255 : 127;
        Parallel.forRange(batch * channels, Math.max(1, 4096 / Math.max(1, outPlane * size)), (startPlane, endPlane) -> {
            int[] pos = new int[k];
            int[] lo = new int[k];
            int[] hi = new int[k];
            int[] at = new int[k];
            for (int plane = startPlane; plane < endPlane; plane++) {
                int base = nhwc ? (plane / channels) * inPlane * channels + plane % channels : plane * inPlane;
                int step = nhwc ? channels : 1;
                int outBase = nhwc ? (plane / channels) * outPlane * channels + plane % channels : plane * outPlane;
                Arrays.fill(pos, 0);
                for (int o = 0; o < outPlane; o++) {
                    int count = 1;
                    for (int d = 0; d < k; d++) {
                        int s = pos[d] * g.strides()[d] - g.padBegin()[d];
                        hi[d] = Math.min(s + g.kernel()[d], in[d]);
                        lo[d] = Math.max(s, 0);
                        count *= hi[d] - lo[d];
                    }
                    float sum = 0f;
                    if (count > 0) {
                        System.arraycopy(lo, 0, at, 0, k);
                        while (true) {
                            int offset = 0;
                            for (int d = 0; d < k; d++) {
                                offset = offset * in[d] + at[d];
                            }
                            sum += dequantized[x[base + offset * step] & 0xFF];
                            int d = k - 1;
                            while (d >= 0 && ++at[d] == hi[d]) {
                                at[d] = lo[d];
                                d--;
                            }
                            if (d < 0) {
                                break;
                            }
                        }
                    }
                    // AveragePool::Finalize divides by the int64 count, converted to float.
                    float avg = sum / (float) (includePad ? size : count);
                    int q = cvtps2dq(avg / p.ys() + (float) p.yz());
                    y[outBase + o * step] = (byte) pack8(q, p.unsigned());
                    for (int d = k - 1; d >= 0 && ++pos[d] == g.out()[d]; d--) {
                        pos[d] = 0;
                    }
                }
            }
        });
    }

    private static void checkRank(int[] shape, String op) {
        if (shape.length < 3) {
            throw new IllegalArgumentException(op + " needs an input of rank 3 or more, got " + Arrays.toString(shape));
        }
    }

    /** The number of values in one image: the product of the spatial dims of an NCHW or NHWC shape. */
    private static int imageSize(int[] shape, boolean channelsLast) {
        int n = 1;
        for (int d = channelsLast ? 1 : 2, end = channelsLast ? shape.length - 1 : shape.length; d < end; d++) {
            n *= shape[d];
        }
        return n;
    }

    private static int[] ones(int k) {
        int[] v = new int[k];
        Arrays.fill(v, 1);
        return v;
    }
}
