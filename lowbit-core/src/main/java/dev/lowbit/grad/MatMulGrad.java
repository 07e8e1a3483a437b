package dev.lowbit.grad;

import dev.lowbit.tensor.Shapes;
import dev.lowbit.tensor.Tensor;
import dev.lowbit.tensor.kernels.Gemm;
import java.util.Arrays;

/**
 * Gemm (transA, transB, alpha, beta, broadcast C) and MatMul (batched with broadcasting, 1-D
 * operands promoted as numpy does) backward, on the fast GEMM kernel.
 */
final class MatMulGrad implements GradRegistry.Family {
    @Override
    public void register(GradRegistry r) {
        r.register("Gemm", MatMulGrad::gemm);
        r.register("MatMul", MatMulGrad::matMul);
    }

    private static Tensor[] gemm(GradOp.Saved s, Tensor[] dOut, boolean[] need) {
        Tensor a = s.input(0), b = s.input(1);
        boolean ta = s.node().getInt("transA", 0) != 0, tb = s.node().getInt("transB", 0) != 0;
        float alpha = s.node().getFloat("alpha", 1f), beta = s.node().getFloat("beta", 1f);
        int m = ta ? a.dim(1) : a.dim(0), k = ta ? a.dim(0) : a.dim(1), n = tb ? b.dim(0) : b.dim(1);
        float[] as = a.floats(), bs = b.floats(), dy = dOut[0].floats();
        Tensor[] r = new Tensor[need.length];
        if (need[0]) {
            float[] da = new float[as.length];
            if (!ta) { // dA[M,K] = alpha dY[M,N] op(B)ᵀ
                Gemm.gemm(false, !tb, m, k, n, alpha, dy, 0, n, bs, 0, tb ? k : n, 0f, da, 0, k);
            } else { // dA[K,M] = alpha op(B)[K,N] dYᵀ
                Gemm.gemm(tb, true, k, m, n, alpha, bs, 0, tb ? k : n, dy, 0, n, 0f, da, 0, m);
            }
            r[0] = Tensor.of(da, a.shape());
        }
        if (need.length > 1 && need[1]) {
            float[] db = new float[bs.length];
            if (!tb) { // dB[K,N] = alpha op(A)ᵀ dY
                Gemm.gemm(!ta, false, k, n, m, alpha, as, 0, ta ? m : k, dy, 0, n, 0f, db, 0, n);
            } else { // dB[N,K] = alpha dYᵀ op(A)
                Gemm.gemm(true, ta, n, k, m, alpha, dy, 0, n, as, 0, ta ? m : k, 0f, db, 0, k);
            }
            r[1] = Tensor.of(db, b.shape());
        }
        if (need.length > 2 && need[2] && s.input(2) != null) {
            float[] g = new float[dy.length];
            for (int i = 0; i < g.length; i++) {
                g[i] = beta * dy[i];
            }
            r[2] = GradTensors.unbroadcast(g, new int[] {m, n}, s.input(2).shapeRef());
        }
        return r;
    }

    private static Tensor[] matMul(GradOp.Saved s, Tensor[] dOut, boolean[] need) {
        Tensor a = s.input(0), b = s.input(1);
        int[] ash = a.rank() == 1 ? new int[] {1, a.dim(0)} : a.shapeRef();
        int[] bsh = b.rank() == 1 ? new int[] {b.dim(0), 1} : b.shapeRef();
        int m = ash[ash.length - 2], k = ash[ash.length - 1], n = bsh[bsh.length - 1];
        int[] batch = Shapes.broadcast(Arrays.copyOf(ash, ash.length - 2), Arrays.copyOf(bsh, bsh.length - 2));
        int nb = Shapes.size(batch);
        int[] aFull = concat(batch, m, k), bFull = concat(batch, k, n);
        int[] aIdx = GradTensors.broadcastIndex(Arrays.copyOf(ash, ash.length - 2), batch);
        int[] bIdx = GradTensors.broadcastIndex(Arrays.copyOf(bsh, bsh.length - 2), batch);
        float[] as = a.floats(), bs = b.floats(), dy = dOut[0].floats();
        Tensor[] r = new Tensor[need.length];
        if (need[0]) { // dA_i[M,K] = dY_i · B_iᵀ, then summed over A's broadcast batch axes
            float[] da = new float[Shapes.size(aFull)];
            for (int i = 0; i < nb; i++) {
                Gemm.gemm(false, true, m, k, n, 1f, dy, i * m * n, n, bs, bIdx[i] * k * n, n, 0f, da, i * m * k, k);
            }
            r[0] = GradTensors.unbroadcast(da, aFull, ash).reshape(a.shape());
        }
        if (need.length > 1 && need[1]) { // dB_i[K,N] = A_iᵀ · dY_i
            float[] db = new float[Shapes.size(bFull)];
            for (int i = 0; i < nb; i++) {
                Gemm.gemm(true, false, k, n, m, 1f, as, aIdx[i] * m * k, k, dy, i * m * n, n, 0f, db, i * k * n, n);
            }
            r[1] = GradTensors.unbroadcast(db, bFull, bsh).reshape(b.shape());
        }
        return r;
    }

    private static int[] concat(int[] batch, int r, int c) {
        int[] s = Arrays.copyOf(batch, batch.length + 2);
        s[batch.length] = r;
        s[batch.length + 1] = c;
        return s;
    }
}
