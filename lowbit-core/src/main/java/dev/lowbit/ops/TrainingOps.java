package dev.lowbit.ops;

import dev.lowbit.exec.Op;
import dev.lowbit.exec.OpContext;
import dev.lowbit.exec.OpRegistry;
import dev.lowbit.UnsupportedOpException;
import dev.lowbit.tensor.Tensor;

/**
 * Optimizer update rules of the {@code ai.onnx.preview.training} domain: Adagrad, Momentum and
 * Adam. Inputs are R (learning rate), T (update count), then n tensors X, n gradients G and n
 * (Adam: 2n) accumulators; outputs are the n new X then the new accumulators. Computed in double.
 */
final class TrainingOps implements OpRegistry.Family {
    private static final String DOMAIN = "ai.onnx.preview.training";

    @Override
    public void register(OpRegistry r) {
        r.register(DOMAIN, "Adagrad", 1, TrainingOps::adagrad);
        r.register(DOMAIN, "Momentum", 1, TrainingOps::momentum);
        r.register(DOMAIN, "Adam", 1, TrainingOps::adam);
    }

    /** How many optimized tensors a node with {@code stateSets} accumulator groups updates. */
    private static int groups(OpContext ctx, int stateSets) {
        int n = ctx.node().inputs().size() - 2;
        if (n <= 0 || n % (2 + stateSets) != 0) {
            throw ctx.unsupported("input count does not fit the optimizer signature");
        }
        return n / (2 + stateSets);
    }

    private static void checkFloat(Tensor[] in) {
        for (int i = 2; i < in.length; i++) {
            if (!in[i].dtype().isFloatingPoint()) {
                throw new UnsupportedOpException("unsupported data type " + in[i].dtype().onnxName());
            }
        }
    }

    private static Op adagrad(OpContext ctx) {
        int n = groups(ctx, 1);
        double decay = ctx.node().getFloat("decay_factor", 0f);
        double eps = ctx.node().getFloat("epsilon", 1e-6f);
        double norm = ctx.node().getFloat("norm_coefficient", 0f);
        return in -> {
            checkFloat(in);
            double r = in[0].getDouble(0) / (1 + in[1].getLong(0) * decay);
            Tensor[] out = new Tensor[2 * n];
            for (int g = 0; g < n; g++) {
                Tensor x = in[2 + g];
                Tensor grad = in[2 + n + g];
                Tensor h = in[2 + 2 * n + g];
                Tensor xNew = Tensor.zeros(x.dtype(), x.shape());
                Tensor hNew = Tensor.zeros(h.dtype(), h.shape());
                for (int i = 0; i < x.size(); i++) {
                    double gr = norm * x.getDouble(i) + grad.getDouble(i);
                    double hn = h.getDouble(i) + gr * gr;
                    hNew.setDouble(i, hn);
                    xNew.setDouble(i, x.getDouble(i) - r * gr / (Math.sqrt(hn) + eps));
                }
                out[g] = xNew;
                out[n + g] = hNew;
            }
            return out;
        };
    }

    private static Op momentum(OpContext ctx) {
        int n = groups(ctx, 1);
        double alpha = ctx.node().getFloat("alpha", 0f);
        double beta = ctx.node().getFloat("beta", 0f);
        double norm = ctx.node().getFloat("norm_coefficient", 0f);
        String mode = ctx.node().getString("mode", "standard");
        if (!mode.equals("standard") && !mode.equals("nesterov")) {
            throw ctx.unsupported("mode '" + mode + "'");
        }
        boolean nesterov = mode.equals("nesterov");
        return in -> {
            checkFloat(in);
            double r = in[0].getDouble(0);
            double betaAdj = in[1].getLong(0) > 0 ? beta : 1;
            Tensor[] out = new Tensor[2 * n];
            for (int g = 0; g < n; g++) {
                Tensor x = in[2 + g];
                Tensor grad = in[2 + n + g];
                Tensor v = in[2 + 2 * n + g];
                Tensor xNew = Tensor.zeros(x.dtype(), x.shape());
                Tensor vNew = Tensor.zeros(v.dtype(), v.shape());
                for (int i = 0; i < x.size(); i++) {
                    double gr = norm * x.getDouble(i) + grad.getDouble(i);
                    double vn = alpha * v.getDouble(i) + betaAdj * gr;
                    vNew.setDouble(i, vn);
                    xNew.setDouble(i, x.getDouble(i) - r * (nesterov ? gr + alpha * vn : vn));
                }
                out[g] = xNew;
                out[n + g] = vNew;
            }
            return out;
        };
    }

    private static Op adam(OpContext ctx) {
        int n = groups(ctx, 2);
        // ONNX 1.12's test_adam_multiple omits epsilon yet expects 1e-2, contradicting the spec's
        // default of 1e-6; rather than guess, a node must state epsilon explicitly.
        if (!ctx.node().has("epsilon")) {
            throw ctx.unsupported("Adam without an explicit epsilon (spec default and reference tests disagree)");
        }
        double alpha = ctx.node().getFloat("alpha", 0.9f);
        double beta = ctx.node().getFloat("beta", 0.999f);
        double eps = ctx.node().getFloat("epsilon", 1e-6f);
        double norm = ctx.node().getFloat("norm_coefficient", 0f);
        double normPost = ctx.node().getFloat("norm_coefficient_post", 0f);
        return in -> {
            checkFloat(in);
            double r = in[0].getDouble(0);
            long t = in[1].getLong(0);
            double rAdj = t > 0 ? r * Math.sqrt(1 - Math.pow(beta, t)) / (1 - Math.pow(alpha, t)) : r;
            Tensor[] out = new Tensor[3 * n];
            for (int g = 0; g < n; g++) {
                Tensor x = in[2 + g];
                Tensor grad = in[2 + n + g];
                Tensor v = in[2 + 2 * n + g];
                Tensor h = in[2 + 3 * n + g];
                Tensor xNew = Tensor.zeros(x.dtype(), x.shape());
                Tensor vNew = Tensor.zeros(v.dtype(), v.shape());
                Tensor hNew = Tensor.zeros(h.dtype(), h.shape());
                for (int i = 0; i < x.size(); i++) {
                    double gr = norm * x.getDouble(i) + grad.getDouble(i);
                    double vn = alpha * v.getDouble(i) + (1 - alpha) * gr;
                    double hn = beta * h.getDouble(i) + (1 - beta) * gr * gr;
                    vNew.setDouble(i, vn);
                    hNew.setDouble(i, hn);
                    double xn = x.getDouble(i) - rAdj * vn / (Math.sqrt(hn) + eps);
                    xNew.setDouble(i, (1 - normPost) * xn);
                }
                out[g] = xNew;
                out[n + g] = vNew;
                out[2 * n + g] = hNew;
            }
            return out;
        };
    }
}
