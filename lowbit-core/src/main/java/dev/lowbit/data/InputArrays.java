package dev.lowbit.data;

import dev.lowbit.LowbitException;
import dev.lowbit.onnx.ValueInfo;
import dev.lowbit.tensor.DType;
import dev.lowbit.tensor.Tensor;

/**
 * Turns a stored array into what a model input takes: integer arrays for integer inputs (token
 * ids, masks) keep their values and take the input's element type; integer arrays for float
 * inputs are raw pixels, scaled and normalised by the {@link Preprocess} (channel axis 1); float
 * arrays are model-ready.
 */
final class InputArrays {
    private InputArrays() {
    }

    /** {@code t} converted for {@code input} (null = unknown input: unchanged); {@code source} names the data in errors. */
    static Tensor convert(ValueInfo input, Tensor t, Preprocess p, String source) {
        DType want = input == null ? null : input.type();
        if (want == null || want == t.dtype()) {
            return t;
        }
        if (want == DType.FLOAT) {
            if (t.dtype().isFloatingPoint()) {
                return Tensor.of(t.toFloatArray(), t.shape());
            }
            return pixels(t, p);
        }
        if (want.isInteger() || want == DType.BOOL) {
            Tensor out = Tensor.zeros(want, t.shape());
            for (int i = 0; i < t.size(); i++) {
                double v = t.getDouble(i);
                if (v != Math.rint(v) || v < want.minValue() || v > want.maxValue()) {
                    throw new LowbitException(source + ": value " + v + " at element " + i + " does not fit model input '"
                            + input.name() + "' (" + input.describe() + ")");
                }
                out.setLong(i, (long) v);
            }
            return out;
        }
        throw new LowbitException(source + ": holds " + t.dtype().onnxName() + " values; model input '" + input.name()
                + "' takes " + want.onnxName());
    }

    /** Raw 0..255 pixels, channel axis 1 when the array has one ([N, C, ...]), scaled then normalised. */
    private static Tensor pixels(Tensor t, Preprocess p) {
        int[] shape = t.shapeRef();
        int n = Math.max(1, shape.length > 0 ? shape[0] : 1);
        int channels = shape.length >= 4 ? shape[1] : 1;
        int per = t.size() / n;
        int plane = Math.max(1, per / Math.max(1, channels));
        float[] out = new float[t.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = p.normalize((float) t.getDouble(i), Math.min(channels - 1, (i % Math.max(1, per)) / plane));
        }
        return Tensor.of(out, t.shape());
    }
}
