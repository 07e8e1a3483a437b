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

    /**
     * Knowledge distillation (Hinton et al. 2015): (1 − α)·CE(student, labels) + α·T²·KL(softmax(teacher/T) ‖
     * softmax(student/T)), means over the batch. Gradient: (1 − α)(p − onehot)/N + α·T·(p_T − q_T)/N, with p
     * the student's softmax and p_T, q_T the student's and teacher's softmax at temperature T.
     */
    public static Loss distillation(Tensor student, Tensor teacher, Tensor labels, double alpha, double temperature) {
        if (student.rank() != 2 || !java.util.Arrays.equals(student.shapeRef(), teacher.shapeRef())) {
            throw new LowbitException("distillation needs student and teacher logits of one shape [N, C], got "
                    + student + " and " + teacher);
        }
        Loss ce = alpha < 1 ? softmaxCrossEntropy(student, labels) : null;
        int n = student.dim(0), c = student.dim(1);
        float[] z = student.floats(), t = teacher.floats(), g = new float[z.length];
        double kl = 0;
        double[] p = new double[c], q = new double[c];
        for (int i = 0; i < n; i++) {
            softmax(z, i * c, c, temperature, p);
            softmax(t, i * c, c, temperature, q);
            for (int j = 0; j < c; j++) {
                if (q[j] > 0) {
                    kl += q[j] * (Math.log(q[j]) - Math.log(Math.max(p[j], 1e-30)));
                }
                double ceGrad = ce == null ? 0 : (1 - alpha) * ce.gradient().floats()[i * c + j];
                g[i * c + j] = (float) (ceGrad + alpha * temperature * (p[j] - q[j]) / n);
            }
        }
        double value = alpha * temperature * temperature * kl / n + (ce == null ? 0 : (1 - alpha) * ce.value());
        return new Loss(value, Tensor.of(g, student.shape()));
    }

    private static void softmax(float[] z, int off, int c, double temperature, double[] out) {
        double max = Double.NEGATIVE_INFINITY;
        for (int j = 0; j < c; j++) {
            max = Math.max(max, z[off + j] / temperature);
        }
        double sum = 0;
        for (int j = 0; j < c; j++) {
            out[j] = Math.exp(z[off + j] / temperature - max);
            sum += out[j];
        }
        for (int j = 0; j < c; j++) {
            out[j] /= sum;
        }
    }
}
