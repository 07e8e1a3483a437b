package dev.lowbit.grad;

import dev.lowbit.LowbitException;
import dev.lowbit.tensor.Tensor;

/** Training losses with their gradient with respect to the prediction (means over the batch). */
public final class Losses {
    private Losses() {
    }

    /** A loss value and d loss / d prediction. */
    public record Loss(double value, Tensor gradient) {
    }

    /**
     * Mean over the batch of the cross-entropy of softmax(logits[N, C]) against integer labels
     * (any integer tensor of N values). Gradient: (softmax − onehot) / N.
     */
    public static Loss softmaxCrossEntropy(Tensor logits, Tensor labels) {
        if (logits.rank() != 2 || labels.size() != logits.dim(0)) {
            throw new LowbitException("cross-entropy needs logits [N, C] and N labels, got "
                    + logits + " and " + labels);
        }
        int n = logits.dim(0), c = logits.dim(1);
        float[] z = logits.floats(), g = new float[z.length];
        double total = 0;
        for (int i = 0; i < n; i++) {
            int label = (int) labels.getLong(i);
            if (label < 0 || label >= c) {
                throw new LowbitException("label " + label + " of sample " + i + " is outside 0.." + (c - 1));
            }
            double max = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < c; j++) {
                max = Math.max(max, z[i * c + j]);
            }
            double sum = 0;
            for (int j = 0; j < c; j++) {
                sum += Math.exp(z[i * c + j] - max);
            }
            double logSum = Math.log(sum) + max;
            total += logSum - z[i * c + label];
            for (int j = 0; j < c; j++) {
                double p = Math.exp(z[i * c + j] - logSum);
                g[i * c + j] = (float) ((p - (j == label ? 1 : 0)) / n);
            }
        }
        return new Loss(total / n, Tensor.of(g, logits.shape()));
    }

    /** Mean squared error over all elements. Gradient: 2 (prediction − target) / size. */
    public static Loss mse(Tensor prediction, Tensor target) {
        if (prediction.size() != target.size()) {
            throw new LowbitException("MSE needs equal sizes, got " + prediction + " and " + target);
        }
        float[] p = prediction.floats(), t = target.floats(), g = new float[p.length];
        double sum = 0;
        for (int i = 0; i < p.length; i++) {
            double d = (double) p[i] - t[i];
            sum += d * d;
            g[i] = (float) (2 * d / p.length);
        }
        return new Loss(sum / p.length, Tensor.of(g, prediction.shape()));
    }
}
