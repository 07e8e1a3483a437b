package dev.lowbit.grad;

import dev.lowbit.tensor.Shapes;
import dev.lowbit.tensor.Tensor;

/**
 * Softmax and LogSoftmax. From opset 13 the op normalises along one axis; before, the input is
 * coerced to 2-D at {@code axis} (everything from the axis on is one row). With y the output:
 * softmax dx = y·(dy − Σ dy·y), log-softmax dx = dy − exp(y)·Σ dy.
 */
final class SoftmaxGrad implements GradRegistry.Family {
    @Override
    public void register(GradRegistry r) {
        r.register("Softmax", (s, d, n) -> run(s, d, false));
        r.register("LogSoftmax", (s, d, n) -> run(s, d, true));
    }

    private static Tensor[] run(GradOp.Saved s, Tensor[] dOut, boolean log) {
        Tensor y = s.outputs()[0];
        int[] shape = y.shapeRef();
        int rank = shape.length;
        int axis = Shapes.axis((int) s.node().getInt("axis", s.opset() < 13 ? 1 : -1), rank);
        int outer = GradTensors.prod(shape, 0, axis);
        int dim = s.opset() < 13 ? GradTensors.prod(shape, axis, rank) : shape[axis];
        int inner = s.opset() < 13 ? 1 : GradTensors.prod(shape, axis + 1, rank);
        float[] ys = y.floats(), g = dOut[0].floats(), dx = new float[ys.length];
        for (int o = 0; o < outer; o++) {
            for (int in = 0; in < inner; in++) {
                int base = o * dim * inner + in;
                double acc = 0;
                for (int j = 0; j < dim; j++) {
                    int i = base + j * inner;
                    acc += log ? g[i] : (double) g[i] * ys[i];
                }
                for (int j = 0; j < dim; j++) {
                    int i = base + j * inner;
                    dx[i] = log ? (float) (g[i] - Math.exp(ys[i]) * acc) : (float) (ys[i] * (g[i] - acc));
                }
            }
        }
        return new Tensor[] {Tensor.of(dx, y.shape())};
    }
}
