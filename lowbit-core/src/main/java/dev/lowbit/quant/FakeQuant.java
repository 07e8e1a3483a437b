package dev.lowbit.quant;

import dev.lowbit.LowbitException;
import dev.lowbit.tensor.DType;
import dev.lowbit.tensor.Parallel;
import dev.lowbit.tensor.Shapes;
import dev.lowbit.tensor.Tensor;
import dev.lowbit.tensor.kernels.FakeQuantKernels;

import java.util.Arrays;

/**
 * Fake quantization: quantize then dequantize in float, {@code x^ = s * (clamp(rint(x / s) + z,
 * qmin, qmax) - z)}, rounding half to even and saturating, as ONNX QuantizeLinear followed by
 * DequantizeLinear. NaN stays NaN (ONNX leaves it undefined); infinities saturate.
 *
 * <p>The runs ({@link FakeQuantKernels}, vectorised when the Vector API is available) compute
 * {@code rint(clamp(x / s, qmin - z, qmax - z)) * s}, which equals the formula above because the
 * clamp bounds are integers, and round half to even with the 1.5·2^23 trick (exact because clamped
 * values are far below 2^22).
 */
public final class FakeQuant {
    private static final int GRAIN = 1 << 15;

    private FakeQuant() {
    }

    /** Fake-quantizes {@code x} (FLOAT) with per-tensor or per-axis parameters; returns a new tensor. */
    public static Tensor apply(Tensor x, QuantParams p) {
        if (x.dtype() != DType.FLOAT) {
            throw new LowbitException("fake quantization needs a float tensor, got " + x.dtype().onnxName());
        }
        float[] src = x.floats();
        float[] dst = new float[src.length];
        int qmin = p.scheme().qmin();
        int qmax = p.scheme().qmax();
        if (p.perTensor()) {
            perTensor(src, 0, src.length, dst, 0, p.scales()[0], p.zeroPoints()[0], qmin, qmax);
        } else {
            perAxis(src, dst, x.shapeRef(), p.axis(), p.scales(), p.zeroPoints(), qmin, qmax);
        }
        return Tensor.of(dst, x.shape());
    }

    /** The scalar definition every fast path is tested against. */
    public static float reference(float x, float scale, int zeroPoint, int qmin, int qmax) {
        if (Float.isNaN(x)) {
            return Float.NaN;
        }
        // TODO(after merge): QuantMath.quantize/dequantize is the project's bit-exact reference.
        double q = Math.rint(x / scale) + zeroPoint;
        int qi = (int) Math.max(qmin, Math.min(qmax, q));
        return (qi - zeroPoint) * scale;
    }

    /** Fake-quantizes {@code src[off, off+len)} into {@code dst[dstOff...]} with one scale. */
    public static void perTensor(float[] src, int off, int len, float[] dst, int dstOff,
                                 float scale, int zeroPoint, int qmin, int qmax) {
        checkScale(scale);
        if (len >= 2 * GRAIN) {
            Parallel.forRange(len, GRAIN, (a, b) ->
                    FakeQuantKernels.fakeQuantize(src, off + a, b - a, dst, dstOff + a, scale, qmin - zeroPoint,
                            qmax - zeroPoint));
        } else {
            FakeQuantKernels.fakeQuantize(src, off, len, dst, dstOff, scale, qmin - zeroPoint, qmax - zeroPoint);
        }
    }

    /**
     * Fake-quantizes a row-major tensor of {@code shape} with one scale and zero point per index
     * along {@code axis}.
     */
    public static void perAxis(float[] src, float[] dst, int[] shape, int axis, float[] scales, int[] zeroPoints,
                               int qmin, int qmax) {
        int ax = Shapes.axis(axis, shape.length);
        int channels = shape[ax];
        if (scales.length != channels || zeroPoints.length != channels) {
            throw new LowbitException("per-axis fake quantization along axis " + ax + " of shape "
                    + Arrays.toString(shape) + " needs " + channels + " scales, got " + scales.length);
        }
        for (float s : scales) {
            checkScale(s);
        }
        int inner = 1;
        for (int i = ax + 1; i < shape.length; i++) {
            inner *= shape[i];
        }
        int outer = channels == 0 || inner == 0 ? 0 : src.length / (channels * inner);
        float[] lo = new float[channels];
        float[] hi = new float[channels];
        for (int c = 0; c < channels; c++) {
            lo[c] = qmin - zeroPoints[c];
            hi[c] = qmax - zeroPoints[c];
        }
        if (inner == 1) {
            // Channels are the innermost axis: vectorise across channels with vector-loaded scales.
            Parallel.forRange(outer, Math.max(1, GRAIN / Math.max(1, channels)), (a, b) -> {
                for (int o = a; o < b; o++) {
                    FakeQuantKernels.fakeQuantizeChannels(src, dst, o * channels, channels, scales, lo, hi);
                }
            });
            return;
        }
        int runs = outer * channels;
        int finalInner = inner;
        Parallel.forRange(runs, Math.max(1, GRAIN / inner), (a, b) -> {
            for (int r = a; r < b; r++) {
                int c = r % channels;
                FakeQuantKernels.fakeQuantize(src, r * finalInner, finalInner, dst, r * finalInner, scales[c], lo[c],
                        hi[c]);
            }
        });
    }

    private static void checkScale(float s) {
        if (!(s > 0) || Float.isInfinite(s)) {
            throw new LowbitException("fake quantization scale must be finite and > 0, got " + s);
        }
    }
}
