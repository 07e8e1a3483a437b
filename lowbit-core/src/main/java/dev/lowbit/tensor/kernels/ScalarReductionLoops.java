package dev.lowbit.tensor.kernels;

/** Float reductions in plain Java, one element at a time in index order. */
final class ScalarReductionLoops implements ReductionLoops {
    @Override
    public double sum(float[] x, int off, int len) {
        double sum = 0;
        for (int i = 0; i < len; i++) {
            sum += x[off + i];
        }
        return sum;
    }

    @Override
    public float max(float[] x, int off, int len) {
        float m = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < len; i++) {
            m = Math.max(m, x[off + i]);
        }
        return m;
    }

    @Override
    public float reduce(ReduceKernels.Kind kind, float[] x, int off, int len) {
        float r = ReduceFloatKernels.initial(kind);
        for (int i = 0; i < len; i++) {
            r = ReduceFloatKernels.step(kind, r, x[off + i]);
        }
        return r;
    }

    @Override
    public long minMaxFinite(float[] a, int off, int len, float[] acc) {
        float mn = acc[0];
        float mx = acc[1];
        long bad = 0;
        for (int i = 0; i < len; i++) {
            float v = a[off + i];
            if (Float.isFinite(v)) {
                mn = Math.min(mn, v);
                mx = Math.max(mx, v);
            } else {
                bad++;
            }
        }
        acc[0] = mn;
        acc[1] = mx;
        return bad;
    }

    @Override
    public void dotAndSquares(float[] r, float[] t, int off, int len, double[] acc) {
        double d = 0;
        double x = 0;
        double y = 0;
        for (int j = 0; j < len; j++) {
            float a = r[off + j];
            float b = t[off + j];
            d += a * b;
            x += a * a;
            y += b * b;
        }
        acc[0] += d;
        acc[1] += x;
        acc[2] += y;
    }
}
