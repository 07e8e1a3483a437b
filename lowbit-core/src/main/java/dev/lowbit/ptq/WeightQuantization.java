package dev.lowbit.ptq;

import dev.lowbit.quant.QuantParams;
import dev.lowbit.quant.QuantScheme;
import dev.lowbit.tensor.Shapes;
import dev.lowbit.tensor.Tensor;

/** Turns a float weight into its integer codes: saturate(round_half_even(w / s) + z), per tensor or per channel. */
final class WeightQuantization {
    private WeightQuantization() {
    }

    static Tensor quantize(Tensor w, QuantParams p) {
        QuantScheme s = p.scheme();
        Tensor out = Tensor.zeros(s.storageType(), w.shapeRef());
        float[] data = w.toFloatArray();
        int[] shape = w.shapeRef();
        int channels = p.scales().length;
        int inner = 1;
        if (channels > 1) {
            int ax = Shapes.axis(p.axis(), shape.length);
            for (int i = ax + 1; i < shape.length; i++) {
                inner *= shape[i];
            }
        }
        for (int i = 0; i < data.length; i++) {
            int c = channels == 1 ? 0 : (i / inner) % channels;
            float q = (float) Math.rint(data[i] / p.scales()[c]) + p.zeroPoints()[c];
            out.setLong(i, (long) Math.max(s.qmin(), Math.min(s.qmax(), q)));
        }
        return out;
    }
}
