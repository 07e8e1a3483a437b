package dev.lowbit.grad;

import dev.lowbit.UnsupportedOpException;
import dev.lowbit.onnx.Node;
import dev.lowbit.tensor.Parallel;
import dev.lowbit.tensor.Shapes;
import dev.lowbit.tensor.Tensor;

/**
 * BatchNormalization and LayerNormalization. In training mode BatchNormalization normalises with the
 * batch's own mean and (biased) variance per channel, and its gradient flows through those statistics;
 * in inference mode it is the affine map of the running statistics. (Running statistics are not
 * updated here: the optimiser owns that policy.)
 */
final class NormGrad implements GradRegistry.Family {
    @Override
    public void register(GradRegistry r) {
        r.register("BatchNormalization", new GradOp() {
            @Override
            public Tensor[] backward(Saved s, Tensor[] dOut, boolean[] need) {
                return batchNorm(s, dOut, need);
            }

            @Override
            public Tensor[] trainingForward(Node node, int opset, Tensor[] in) {
                return new Tensor[] {batchNormTraining(node, in[0], in[1], in[2])};
            }
        });
        r.register("LayerNormalization", NormGrad::layerNorm);
    }

    private static float epsilon(Node n) {
        if (n.getInt("spatial", 1) != 1) {
            throw new UnsupportedOpException(n.label() + ": BatchNormalization gradient needs spatial=1");
        }
        return n.getFloat("epsilon", 1e-5f);
    }

    /** Per-channel batch mean and 1/sqrt(var + eps) of x[N, C, ...]. */
    private static double[][] batchStats(Tensor x, float eps) {
        int n = x.dim(0), c = x.dim(1), inner = x.size() / (n * c);
        float[] xs = x.floats();
        double[] mean = new double[c], inv = new double[c];
        Parallel.forRange(c, 1, (c0, c1) -> {
            for (int ch = c0; ch < c1; ch++) {
                double sum = 0, sq = 0;
                for (int b = 0; b < n; b++) {
                    int off = (b * c + ch) * inner;
                    for (int i = 0; i < inner; i++) {
                        sum += xs[off + i];
                    }
                }
                double m = sum / ((double) n * inner);
                for (int b = 0; b < n; b++) {
                    int off = (b * c + ch) * inner;
                    for (int i = 0; i < inner; i++) {
                        double d = xs[off + i] - m;
                        sq += d * d;
                    }
                }
                mean[ch] = m;
                inv[ch] = 1 / Math.sqrt(sq / ((double) n * inner) + eps);
            }
        });
        return new double[][] {mean, inv};
    }

    private static Tensor batchNormTraining(Node node, Tensor x, Tensor scale, Tensor bias) {
        double[][] st = batchStats(x, epsilon(node));
        int n = x.dim(0), c = x.dim(1), inner = x.size() / (n * c);
        float[] xs = x.floats(), g = scale.floats(), b = bias.floats(), y = new float[xs.length];
        for (int i = 0; i < xs.length; i++) {
            int ch = (i / inner) % c;
            y[i] = (float) ((xs[i] - st[0][ch]) * st[1][ch] * g[ch] + b[ch]);
        }
        return Tensor.of(y, x.shape());
    }

    private static Tensor[] batchNorm(GradOp.Saved s, Tensor[] dOut, boolean[] need) {
        Tensor x = s.input(0);
        float eps = epsilon(s.node());
        int n = x.dim(0), c = x.dim(1), inner = x.size() / (n * c);
        double[] mean, inv;
        if (s.training()) {
            double[][] st = batchStats(x, eps);
            mean = st[0];
            inv = st[1];
        } else {
            float[] rm = s.input(3).floats(), rv = s.input(4).floats();
            mean = new double[c];
            inv = new double[c];
            for (int ch = 0; ch < c; ch++) {
                mean[ch] = rm[ch];
                inv[ch] = 1 / Math.sqrt(rv[ch] + (double) eps);
            }
        }
        float[] xs = x.floats(), g = dOut[0].floats(), gamma = s.input(1).floats();
        float[] dx = new float[xs.length], dGamma = new float[c], dBeta = new float[c];
        double m = (double) n * inner;
        Parallel.forRange(c, 1, (c0, c1) -> {
            for (int ch = c0; ch < c1; ch++) {
                double sumG = 0, sumGx = 0;
                for (int b = 0; b < n; b++) {
                    int off = (b * c + ch) * inner;
                    for (int i = 0; i < inner; i++) {
                        sumG += g[off + i];
                        sumGx += g[off + i] * (xs[off + i] - mean[ch]) * inv[ch];
                    }
                }
                dGamma[ch] = (float) sumGx;
                dBeta[ch] = (float) sumG;
                double k = gamma[ch] * inv[ch];
                for (int b = 0; b < n; b++) {
                    int off = (b * c + ch) * inner;
                    for (int i = 0; i < inner; i++) {
                        if (s.training()) {
                            double xhat = (xs[off + i] - mean[ch]) * inv[ch];
                            dx[off + i] = (float) (k * (g[off + i] - sumG / m - xhat * sumGx / m));
                        } else {
                            dx[off + i] = (float) (k * g[off + i]);
                        }
                    }
                }
            }
        });
        Tensor[] r = new Tensor[need.length];
        r[0] = need[0] ? Tensor.of(dx, x.shape()) : null;
        r[1] = need[1] ? Tensor.of(dGamma, c) : null;
        r[2] = need[2] ? Tensor.of(dBeta, c) : null;
        return r;
    }

    /** Normalised over the axes from {@code axis} on; Scale and B have those axes' shape. */
    private static Tensor[] layerNorm(GradOp.Saved s, Tensor[] dOut, boolean[] need) {
        Tensor x = s.input(0);
        int axis = Shapes.axis((int) s.node().getInt("axis", -1), x.rank());
        double eps = s.node().getFloat("epsilon", 1e-5f);
        int rows = GradTensors.prod(x.shapeRef(), 0, axis), len = x.size() / Math.max(rows, 1);
        float[] xs = x.floats(), g = dOut[0].floats();
        float[] gamma = GradTensors.floats(s.input(1)).length == len ? GradTensors.floats(s.input(1))
                : broadcastRow(s.input(1), java.util.Arrays.copyOfRange(x.shapeRef(), axis, x.rank()));
        float[] dx = new float[xs.length];
        double[] dGamma = new double[len], dBeta = new double[len];
        double[] xhat = new double[len];
        for (int r = 0; r < rows; r++) {
            int off = r * len;
            double mean = 0, var = 0;
            for (int i = 0; i < len; i++) {
                mean += xs[off + i];
            }
            mean /= len;
            for (int i = 0; i < len; i++) {
                double d = xs[off + i] - mean;
                var += d * d;
            }
            double inv = 1 / Math.sqrt(var / len + eps);
            double sumA = 0, sumAx = 0;
            for (int i = 0; i < len; i++) {
                xhat[i] = (xs[off + i] - mean) * inv;
                double a = g[off + i] * gamma[i];
                sumA += a;
                sumAx += a * xhat[i];
                dGamma[i] += g[off + i] * xhat[i];
                dBeta[i] += g[off + i];
            }
            for (int i = 0; i < len; i++) {
                double a = g[off + i] * gamma[i];
                dx[off + i] = (float) (inv * (a - sumA / len - xhat[i] * sumAx / len));
            }
        }
        Tensor[] r = new Tensor[need.length];
        r[0] = need[0] ? Tensor.of(dx, x.shape()) : null;
        if (need.length > 1 && need[1]) {
            r[1] = GradTensors.unbroadcast(toFloats(dGamma), java.util.Arrays.copyOfRange(x.shapeRef(), axis, x.rank()),
                    s.input(1).shapeRef());
        }
        if (need.length > 2 && need[2] && s.input(2) != null) {
            r[2] = GradTensors.unbroadcast(toFloats(dBeta), java.util.Arrays.copyOfRange(x.shapeRef(), axis, x.rank()),
                    s.input(2).shapeRef());
        }
        return r;
    }

    private static float[] broadcastRow(Tensor t, int[] shape) {
        float[] v = GradTensors.floats(t);
        int[] idx = GradTensors.broadcastIndex(t.shapeRef(), shape);
        float[] r = new float[idx.length];
        for (int i = 0; i < r.length; i++) {
            r[i] = v[idx[i]];
        }
        return r;
    }

    private static float[] toFloats(double[] d) {
        float[] r = new float[d.length];
        for (int i = 0; i < d.length; i++) {
            r[i] = (float) d[i];
        }
        return r;
    }
}
