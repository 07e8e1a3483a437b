package dev.lowbit.grad;

import dev.lowbit.tensor.Shapes;
import dev.lowbit.tensor.Tensor;

/**
 * Backward of ReduceMean and ReduceSum: the output gradient broadcast back over the reduced axes
 * (divided by how many elements each mean took). Axes as the forward op reads them: an attribute
 * before opset 18 (13 for ReduceSum), the optional second input after; none = every axis, unless
 * {@code noop_with_empty_axes}.
 */
final class ReduceGrad implements GradRegistry.Family {
    @Override
    public void register(GradRegistry r) {
        r.register("ReduceMean", (s, d, n) -> reduce(s, d, true));
        r.register("ReduceSum", (s, d, n) -> reduce(s, d, false));
    }

    private static Tensor[] reduce(GradOp.Saved s, Tensor[] dOut, boolean mean) {
        int[] in = s.input(0).shapeRef();
        boolean[] reduced = reducedAxes(s, in.length);
        Tensor[] grads = new Tensor[s.inputs().length];
        if (reduced == null) { // noop_with_empty_axes: the input passed through
            grads[0] = Tensor.of(GradTensors.floats(dOut[0]).clone(), in.clone());
            return grads;
        }
        int[] kept = in.clone();
        long count = 1;
        for (int a = 0; a < in.length; a++) {
            if (reduced[a]) {
                count *= in[a];
                kept[a] = 1;
            }
        }
        float[] g = GradTensors.floats(dOut[0]);
        int[] idx = GradTensors.broadcastIndex(kept, in);
        float[] dx = new float[Shapes.size(in)];
        float scale = mean ? 1f / count : 1f;
        for (int i = 0; i < dx.length; i++) {
            dx[i] = g[idx[i]] * scale;
        }
        grads[0] = Tensor.of(dx, in.clone());
        return grads;
    }

    /** Which of {@code rank} axes the forward reduced; null when it passed its input through. */
    private static boolean[] reducedAxes(GradOp.Saved s, int rank) {
        boolean sum = s.node().opType().equals("ReduceSum");
        boolean axesAsInput = s.opset() >= (sum ? 13 : 18);
        long[] axes = axesAsInput ? (s.input(1) == null ? null : s.input(1).longs()) : s.node().getInts("axes", null);
        boolean[] reduced = new boolean[rank];
        if (axes == null || axes.length == 0) {
            if (s.node().getInt("noop_with_empty_axes", 0) != 0) {
                return null;
            }
            java.util.Arrays.fill(reduced, true);
            return reduced;
        }
        for (long a : axes) {
            reduced[(int) (a < 0 ? a + rank : a)] = true;
        }
        return reduced;
    }
}
