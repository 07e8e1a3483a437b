package dev.lowbit.ops;

import dev.lowbit.tensor.BufferPool;
import dev.lowbit.exec.Op;
import dev.lowbit.exec.OpContext;
import dev.lowbit.onnx.Node;
import dev.lowbit.tensor.DType;
import dev.lowbit.tensor.Tensor;
import dev.lowbit.tensor.kernels.NormFloat;
import dev.lowbit.tensor.kernels.NormReference;
import java.util.Arrays;

/**
 * BatchNormalization. Inference folds the statistics into a per-channel scale and shift
 * ({@code a = scale / sqrt(var + eps)}, {@code b = B - mean * a}) applied by one fused vector
 * loop. Opset 14+ training_mode normalises with the batch's own statistics and also returns the
 * updated running mean and variance. Opset 7-8 {@code spatial = 0} (statistics per feature, i.e.
 * per channel and position) is recognised by the parameters' length.
 */
final class BatchNormOp {
    private BatchNormOp() {
    }

    static Op create(OpContext ctx) {
        Node n = ctx.node();
        float eps = n.getFloat("epsilon", 1e-5f);
        double momentum = n.getFloat("momentum", 0.9f);
        boolean training = ctx.opset() >= 14 && n.getInt("training_mode", 0) != 0;
        long extraOutputs = n.outputs().stream().skip(1).filter(s -> !s.isEmpty()).count();
        if (!training && extraOutputs > 0) {
            throw ctx.unsupported("BatchNormalization training outputs (mean, var, saved statistics)"
                    + (ctx.opset() < 14 ? " of opsets before 14" : " without training_mode"));
        }
        return inputs -> {
            Tensor x = inputs[0];
            FloatingArrays.requireFloating(x, "BatchNormalization");
            int[] shape = x.shapeRef();
            if (shape.length < 2) {
                throw new IllegalArgumentException("BatchNormalization needs an N x C x ... input, got "
                        + Arrays.toString(shape));
            }
            int outer = shape[0];
            int channels = shape[1];
            int inner = outer * channels == 0 ? 0 : x.size() / (outer * channels);
            int params = inputs[1].size();
            if (params == channels * inner && params != channels) {
                channels *= inner; // spatial = 0: one statistic per feature
                inner = 1;
            } else if (params != channels) {
                throw new IllegalArgumentException("BatchNormalization scale has " + params
                        + " values, expected " + channels + " channels");
            }
            double[] scale = FloatingArrays.toDoubles(inputs[1]);
            double[] bias = FloatingArrays.toDoubles(inputs[2]);
            double[] mean = FloatingArrays.toDoubles(inputs[3]);
            double[] var = FloatingArrays.toDoubles(inputs[4]);
            double[] xd = null;
            Tensor[] out = new Tensor[training ? 3 : 1];
            if (training) {
                xd = FloatingArrays.toDoubles(x);
                double[] batchMean = new double[channels];
                double[] batchVar = new double[channels];
                NormReference.channelMoments(xd, outer, channels, inner, batchMean, batchVar);
                double[] runMean = new double[channels];
                double[] runVar = new double[channels];
                for (int c = 0; c < channels; c++) {
                    runMean[c] = mean[c] * momentum + batchMean[c] * (1 - momentum);
                    runVar[c] = var[c] * momentum + batchVar[c] * (1 - momentum);
                }
                out[1] = FloatingArrays.fromDoubles(inputs[3].dtype(), inputs[3].shape(), runMean);
                out[2] = FloatingArrays.fromDoubles(inputs[4].dtype(), inputs[4].shape(), runVar);
                mean = batchMean;
                var = batchVar;
            }
            if (x.dtype() == DType.FLOAT) {
                float[] a = new float[channels];
                float[] b = new float[channels];
                for (int c = 0; c < channels; c++) {
                    double ac = scale[c] / Math.sqrt(var[c] + eps);
                    a[c] = (float) ac;
                    b[c] = (float) (bias[c] - mean[c] * ac);
                }
                float[] y = BufferPool.floats(x.size());
                NormFloat.channelAffine(x.floats(), y, outer, channels, inner, a, b);
                out[0] = Tensor.of(y, shape);
            } else {
                double[] y = new double[x.size()];
                NormReference.batchNorm(xd == null ? FloatingArrays.toDoubles(x) : xd, y, outer, channels, inner,
                        scale, bias, mean, var, eps);
                out[0] = FloatingArrays.fromDoubles(x.dtype(), shape, y);
            }
            return out;
        };
    }
}
