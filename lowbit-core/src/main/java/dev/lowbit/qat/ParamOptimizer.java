package dev.lowbit.qat;

/**
 * SGD with momentum (PyTorch's form: v = μv + g + λw, w −= lr·v) or AdamW (decoupled weight decay:
 * w −= lr·(m̂/(sqrt(v̂)+ε) + λw)) for one flat parameter array, with the learning rate given per step
 * so a schedule can drive it.
 */
final class ParamOptimizer {
    private final boolean adam;
    private boolean relative;
    private final double momentum, weightDecay;
    private final float[] m, v;
    private int t;

    ParamOptimizer(String kind, int size, double momentum, double weightDecay) {
        this.adam = kind.equals("adamw");
        this.momentum = momentum;
        this.weightDecay = weightDecay;
        this.m = new float[size];
        this.v = adam ? new float[size] : null;
    }

    /**
     * An optimizer for LSQ step sizes. With AdamW the update is relative (s ← s·exp(−lr·m̂/(√v̂+ε)), Adam on
     * log s): Adam's normalised steps are about lr in absolute terms, which is tiny for a weight but a large
     * fraction of a 4-bit weight step (often ~0.01). With SGD, LSQ's gradient scaling already balances them.
     */
    static ParamOptimizer forStepSizes(String kind, int size, double momentum) {
        ParamOptimizer o = new ParamOptimizer(kind, size, momentum, 0);
        o.relative = o.adam;
        return o;
    }

    void step(float[] w, float[] g, double lr) {
        t++;
        if (adam) {
            double c1 = 1 - Math.pow(0.9, t), c2 = 1 - Math.pow(0.999, t);
            for (int i = 0; i < w.length; i++) {
                m[i] = 0.9f * m[i] + 0.1f * g[i];
                v[i] = 0.999f * v[i] + 0.001f * g[i] * g[i];
                double dir = (m[i] / c1) / (Math.sqrt(v[i] / c2) + 1e-8);
                w[i] = relative ? (float) (w[i] * Math.exp(-lr * dir)) : (float) (w[i] - lr * (dir + weightDecay * w[i]));
            }
        } else {
            for (int i = 0; i < w.length; i++) {
                m[i] = (float) (momentum * m[i] + g[i] + weightDecay * w[i]);
                w[i] -= (float) (lr * m[i]);
            }
        }
    }

    /** The optimizer state as one tensor: [t, m..., v...] (what a checkpoint stores to resume exactly). */
    dev.lowbit.tensor.Tensor state() {
        int n = m.length;
        float[] st = new float[1 + n * (adam ? 2 : 1)];
        st[0] = t;
        System.arraycopy(m, 0, st, 1, n);
        if (adam) {
            System.arraycopy(v, 0, st, 1 + n, n);
        }
        return dev.lowbit.tensor.Tensor.of(st, st.length);
    }

    /** Restores {@link #state()}; false when the shape does not match (another optimizer or model). */
    boolean restore(dev.lowbit.tensor.Tensor state) {
        int n = m.length;
        if (state == null || state.size() != 1 + n * (adam ? 2 : 1)) {
            return false;
        }
        float[] st = state.floats();
        t = (int) st[0];
        System.arraycopy(st, 1, m, 0, n);
        if (adam) {
            System.arraycopy(st, 1 + n, v, 0, n);
        }
        return true;
    }
}
