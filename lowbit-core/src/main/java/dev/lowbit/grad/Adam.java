package dev.lowbit.grad;

/**
 * Adam (Kingma and Ba) over one flat float array, updated in place, with bias-corrected moments.
 * One instance per parameter tensor.
 */
public final class Adam {
    private final float[] m, v;
    private final double lr, beta1, beta2, eps;
    private int t;

    public Adam(int size, double lr) {
        this(size, lr, 0.9, 0.999, 1e-8);
    }

    public Adam(int size, double lr, double beta1, double beta2, double eps) {
        this.m = new float[size];
        this.v = new float[size];
        this.lr = lr;
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = eps;
    }

    /** One step: param -= lr · m̂ / (sqrt(v̂) + eps). */
    public void step(float[] param, float[] grad) {
        t++;
        double c1 = 1 - Math.pow(beta1, t), c2 = 1 - Math.pow(beta2, t);
        float b1 = (float) beta1, b2 = (float) beta2;
        for (int i = 0; i < param.length; i++) {
            float g = grad[i];
            m[i] = b1 * m[i] + (1 - b1) * g;
            v[i] = b2 * v[i] + (1 - b2) * g * g;
            param[i] -= (float) (lr * (m[i] / c1) / (Math.sqrt(v[i] / c2) + eps));
        }
    }
}
