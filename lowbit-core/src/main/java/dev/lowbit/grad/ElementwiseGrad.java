package dev.lowbit.grad;

import dev.lowbit.tensor.Tensor;

/**
 * Add, Sub, Mul, Div with numpy broadcasting (each input's gradient is summed over the axes it was
 * broadcast along), and the unary Neg, Exp, Log, Sqrt, Reciprocal.
 */
final class ElementwiseGrad implements GradRegistry.Family {
    private enum Kind { ADD, SUB, MUL, DIV }

    @Override
    public void register(GradRegistry r) {
        r.register("Add", (s, d, n) -> binary(Kind.ADD, s, d, n));
        r.register("Sub", (s, d, n) -> binary(Kind.SUB, s, d, n));
        r.register("Mul", (s, d, n) -> binary(Kind.MUL, s, d, n));
        r.register("Div", (s, d, n) -> binary(Kind.DIV, s, d, n));
        r.register("Neg", (s, d, n) -> unary(s, d, (x, y, g) -> -g));
        r.register("Exp", (s, d, n) -> unary(s, d, (x, y, g) -> g * y));
        r.register("Log", (s, d, n) -> unary(s, d, (x, y, g) -> g / x));
        r.register("Sqrt", (s, d, n) -> unary(s, d, (x, y, g) -> g * 0.5f / y));
        r.register("Reciprocal", (s, d, n) -> unary(s, d, (x, y, g) -> -g * y * y));
        r.register("Pow", ElementwiseGrad::pow);
    }

    /** y = a^b: d a = g·b·a^(b−1), d b = g·y·ln a, each summed back over the axes it was broadcast along. */
    private static Tensor[] pow(GradOp.Saved s, Tensor[] dOut, boolean[] need) {
        Tensor a = s.input(0), b = s.input(1);
        int[] out = s.outputs()[0].shapeRef();
        int[] ia = GradTensors.broadcastIndex(a.shapeRef(), out);
        int[] ib = GradTensors.broadcastIndex(b.shapeRef(), out);
        float[] av = GradTensors.floats(a), bv = GradTensors.floats(b), y = s.outputs()[0].floats();
        float[] g = dOut[0].floats();
        Tensor[] grads = new Tensor[2];
        if (need[0]) {
            float[] da = new float[g.length];
            for (int i = 0; i < g.length; i++) {
                float e = bv[ib[i]];
                da[i] = e == 2f ? g[i] * 2f * av[ia[i]] : (float) (g[i] * e * Math.pow(av[ia[i]], e - 1));
            }
            grads[0] = GradTensors.unbroadcast(da, out, a.shapeRef());
        }
        if (need.length > 1 && need[1]) {
            float[] db = new float[g.length];
            for (int i = 0; i < g.length; i++) {
                db[i] = av[ia[i]] > 0 ? (float) (g[i] * y[i] * Math.log(av[ia[i]])) : 0f;
            }
            grads[1] = GradTensors.unbroadcast(db, out, b.shapeRef());
        }
        return grads;
    }

    /** d input from input x, output y and output gradient g, element by element. */
    interface Rule {
        float apply(float x, float y, float g);
    }

    static Tensor[] unary(GradOp.Saved s, Tensor[] dOut, Rule rule) {
        float[] x = s.input(0).floats(), y = s.outputs()[0].floats(), g = dOut[0].floats();
        float[] r = new float[x.length];
        for (int i = 0; i < r.length; i++) {
            r[i] = rule.apply(x[i], y[i], g[i]);
        }
        return new Tensor[] {Tensor.of(r, s.input(0).shape())};
    }

    private static Tensor[] binary(Kind kind, GradOp.Saved s, Tensor[] dOut, boolean[] need) {
        Tensor a = s.input(0), b = s.input(1);
        int[] out = s.outputs()[0].shapeRef();
        float[] g = dOut[0].floats(), as = a.floats(), bs = b.floats();
        int[] ai = kind == Kind.MUL || kind == Kind.DIV ? GradTensors.broadcastIndex(a.shapeRef(), out) : null;
        int[] bi = kind == Kind.MUL || kind == Kind.DIV ? GradTensors.broadcastIndex(b.shapeRef(), out) : null;
        Tensor[] r = new Tensor[2];
        if (need[0]) {
            float[] da = switch (kind) {
                case ADD, SUB -> g;
                case MUL -> map(g, i -> g[i] * bs[bi[i]]);
                case DIV -> map(g, i -> g[i] / bs[bi[i]]);
            };
            r[0] = GradTensors.unbroadcast(da, out, a.shapeRef());
        }
        if (need[1]) {
            float[] db = switch (kind) {
                case ADD -> g;
                case SUB -> map(g, i -> -g[i]);
                case MUL -> map(g, i -> g[i] * as[ai[i]]);
                case DIV -> map(g, i -> {
                    float bv = bs[bi[i]];
                    return -g[i] * as[ai[i]] / (bv * bv);
                });
            };
            r[1] = GradTensors.unbroadcast(db, out, b.shapeRef());
        }
        return r;
    }

    private interface IndexFn {
        float at(int i);
    }

    private static float[] map(float[] g, IndexFn f) {
        float[] r = new float[g.length];
        for (int i = 0; i < r.length; i++) {
            r[i] = f.at(i);
        }
        return r;
    }
}
