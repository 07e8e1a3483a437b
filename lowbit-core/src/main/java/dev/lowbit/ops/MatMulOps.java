package dev.lowbit.ops;

import dev.lowbit.exec.OpContext;
import dev.lowbit.exec.OpRegistry;
import dev.lowbit.UnsupportedOpException;
import dev.lowbit.onnx.Node;
import dev.lowbit.ops.MatMulStrided.View;
import dev.lowbit.tensor.BufferPool;
import dev.lowbit.tensor.DType;
import dev.lowbit.tensor.Shapes;
import dev.lowbit.tensor.Tensor;
import dev.lowbit.tensor.kernels.Gemm;
import dev.lowbit.tensor.kernels.GemmPacked;
import java.util.Arrays;

/**
 * MatMul (numpy semantics: batched broadcasting, 1-D operands) and Gemm (transA/transB, alpha, beta,
 * broadcast C), both on the float {@link Gemm} kernel. A constant B (a weight) is packed once at load.
 */
public final class MatMulOps implements OpRegistry.Family {
    @Override
    public void register(OpRegistry r) {
        r.register("MatMul", MatMulOps::matMul);
        r.register("Gemm", MatMulOps::gemm);
    }

    /** Lowbit's own MatMul attributes, set by execution-only fusions and never written to files. */
    public static final String FUSED_BIAS = "lowbit_fused_bias";
    /** The output is alpha * A x B: a following scale by a constant, folded in. */
    public static final String ALPHA = "lowbit_alpha";
    /** A is transpose(input 0, perm): the Transpose before the MatMul, folded into the GEMM's strides. */
    public static final String PERM_A = "lowbit_perm_a";
    /** B is transpose(input 1, perm). */
    public static final String PERM_B = "lowbit_perm_b";
    /** The output is written as transpose(A x B, perm): a Transpose after the MatMul, folded in. */
    public static final String PERM_Y = "lowbit_perm_y";

    /** What fusions folded into a MatMul: scale, bias row (length N, added to every row) and transposes. */
    record Fused(float alpha, float[] bias, int[] permA, int[] permB, int[] permY) {
        static final Fused NONE = new Fused(1f, null, null, null, null);

        static Fused of(OpContext ctx) {
            Node n = ctx.node();
            Tensor bias = n.has(FUSED_BIAS) ? ctx.constantInput(2) : null;
            return new Fused(n.getFloat(ALPHA, 1f), bias == null ? null : bias.floats(), n.getIntArray(PERM_A, null),
                    n.getIntArray(PERM_B, null), n.getIntArray(PERM_Y, null));
        }

        boolean permuted() {
            return permA != null || permB != null || permY != null;
        }
    }

    static dev.lowbit.exec.Op matMul(OpContext ctx) {
        String label = ctx.node().label();
        Fused fused = Fused.of(ctx);
        Tensor constB = ctx.constantInput(1);
        GemmPacked packedB = constB != null && constB.dtype() == DType.FLOAT && constB.rank() == 2 && !fused.permuted()
                ? Gemm.packB(false, constB.dim(0), constB.dim(1), constB.floats(), 0, constB.dim(1)) : null;
        return inputs -> new Tensor[] {matMul(label, inputs[0], inputs[1], packedB, fused)};
    }

    static Tensor matMul(String label, Tensor a, Tensor b, GemmPacked packedB) {
        return matMul(label, a, b, packedB, Fused.NONE);
    }

    static Tensor matMul(String label, Tensor a, Tensor b, GemmPacked packedB, Fused fused) {
        if (a.dtype() != DType.FLOAT || b.dtype() != DType.FLOAT) {
            throw new UnsupportedOpException(label + ": MatMul supports float tensors only, got "
                    + a.dtype().onnxName() + " x " + b.dtype().onnxName());
        }
        if (a.rank() == 0 || b.rank() == 0) {
            throw new IllegalArgumentException(label + ": MatMul operands must have rank >= 1");
        }
        View av = a.rank() == 1 ? new View(new int[] {1, a.dim(0)}, new int[] {a.dim(0), 1})
                : View.of(a.shapeRef(), fused.permA());
        View bv = b.rank() == 1 ? new View(new int[] {b.dim(0), 1}, new int[] {1, 1}) : View.of(b.shapeRef(), fused.permB());
        int[] as = av.shape(), bs = bv.shape();
        int m = as[as.length - 2], k = as[as.length - 1], n = bs[bs.length - 1];
        if (bs[bs.length - 2] != k) {
            throw new IllegalArgumentException(label + ": MatMul inner dimensions differ: " + Arrays.toString(as)
                    + " x " + Arrays.toString(bs));
        }
        int[] aBatch = Arrays.copyOf(as, as.length - 2);
        int[] bBatch = Arrays.copyOf(bs, bs.length - 2);
        int[] batch = Shapes.broadcast(aBatch, bBatch);
        int[] full = Arrays.copyOf(batch, batch.length + 2);
        full[batch.length] = m;
        full[batch.length + 1] = n;
        View yv = View.into(full, fused.permY());
        if (yv.transposed()) {
            throw new IllegalArgumentException(label + ": a folded output transpose must keep the last axis last");
        }
        Tensor y = output(full, fused);
        float[] af = a.floats(), bf = b.floats(), yf = y.floats();
        int batches = Shapes.size(batch);
        if (batches > 0 && m > 0 && n > 0 && k > 0) {
            if (Shapes.size(bBatch) == 1 && fused.permA() == null && fused.permY() == null) {
                // B is one matrix shared by every batch: A's batches stack into one tall GEMM.
                int rows = batches * m;
                if (Shapes.size(aBatch) != batches) {
                    rows = m; // A is also a single matrix broadcast over a larger batch: compute once, copy.
                }
                GemmPacked pb = packedB != null ? packedB
                        : Gemm.packBScratch(bv.transposed(), k, n, bf, 0, bv.leading());
                GemmPacked pa = Gemm.packAScratch(false, rows, k, af, 0, k);
                Gemm.multiply(pa, pb, fused.alpha(), yf, 0, n);
                for (int i = rows; i < batches * m; i += rows) {
                    System.arraycopy(yf, 0, yf, i * n, rows * n);
                }
            } else {
                MatMulStrided.run(af, av, bf, bv, yf, yv, batch, fused.alpha(), fused.bias() != null);
            }
        }
        if (a.rank() == 1 || b.rank() == 1) {
            int[] squeezed = Arrays.copyOf(batch, batch.length + (a.rank() == 1 && b.rank() == 1 ? 0 : 1));
            if (a.rank() != 1) {
                squeezed[batch.length] = m;
            } else if (b.rank() != 1) {
                squeezed[batch.length] = n;
            }
            return y.reshape(squeezed);
        }
        return y;
    }

    /**
     * The result array in its final layout (transposed when a Transpose was folded in): zeros for
     * the GEMM to add to, or every row the fused bias (N stays the last axis either way).
     */
    private static Tensor output(int[] full, Fused fused) {
        int[] shape = full;
        if (fused.permY() != null) {
            if (fused.permY().length != full.length) {
                throw new IllegalArgumentException("folded output transpose " + Arrays.toString(fused.permY())
                        + " does not fit a MatMul result of rank " + full.length);
            }
            shape = new int[full.length];
            for (int d = 0; d < full.length; d++) {
                shape[d] = full[fused.permY()[d]];
            }
        }
        if (fused.bias() == null) {
            return Tensor.zeros(DType.FLOAT, shape);
        }
        float[] bias = fused.bias();
        if (bias.length != full[full.length - 1]) {
            throw new IllegalArgumentException("fused bias of " + bias.length + " values for " + full[full.length - 1]
                    + " output columns");
        }
        int size = Shapes.size(shape);
        float[] y = BufferPool.floatsUninitialized(size);
        for (int row = 0; row < size; row += bias.length) {
            System.arraycopy(bias, 0, y, row, bias.length);
        }
        return Tensor.of(y, shape);
    }

    private static dev.lowbit.exec.Op gemm(OpContext ctx) {
        String label = ctx.node().label();
        boolean transA = ctx.node().getInt("transA", 0) != 0;
        boolean transB = ctx.node().getInt("transB", 0) != 0;
        float alpha = ctx.node().getFloat("alpha", 1f);
        float beta = ctx.node().getFloat("beta", 1f);
        Tensor constB = ctx.constantInput(1);
        GemmPacked packedB = null;
        if (constB != null && constB.dtype() == DType.FLOAT && constB.rank() == 2) {
            int k = transB ? constB.dim(1) : constB.dim(0);
            int n = transB ? constB.dim(0) : constB.dim(1);
            packedB = Gemm.packB(transB, k, n, constB.floats(), 0, constB.dim(1));
        }
        GemmPacked pb = packedB;
        return inputs -> new Tensor[] {gemm(label, inputs[0], inputs[1], inputs.length > 2 ? inputs[2] : null,
                transA, transB, alpha, beta, pb)};
    }

    static Tensor gemm(String label, Tensor a, Tensor b, Tensor c, boolean transA, boolean transB, float alpha,
            float beta, GemmPacked packedB) {
        if (a.dtype() != DType.FLOAT || b.dtype() != DType.FLOAT || (c != null && c.dtype() != DType.FLOAT)) {
            throw new UnsupportedOpException(label + ": Gemm supports float tensors only, got " + a.dtype().onnxName());
        }
        if (a.rank() != 2 || b.rank() != 2) {
            throw new IllegalArgumentException(label + ": Gemm needs 2-D A and B, got " + a + " and " + b);
        }
        int m = transA ? a.dim(1) : a.dim(0), k = transA ? a.dim(0) : a.dim(1);
        int kb = transB ? b.dim(1) : b.dim(0), n = transB ? b.dim(0) : b.dim(1);
        if (k != kb) {
            throw new IllegalArgumentException(label + ": Gemm inner dimensions differ: " + a + " x " + b);
        }
        Tensor y = Tensor.zeros(DType.FLOAT, m, n);
        float[] yf = y.floats();
        if (c != null && beta != 0f) {
            int[] target = {m, n};
            int[] str = Shapes.broadcastStrides(c.shapeRef(), target);
            Shapes.broadcast(c.shapeRef(), target);
            if (!Arrays.equals(Shapes.broadcast(c.shapeRef(), target), target)) {
                throw new IllegalArgumentException(label + ": Gemm C " + c + " does not broadcast to [" + m + ", " + n + "]");
            }
            float[] cf = c.floats();
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    yf[i * n + j] = beta * cf[i * str[0] + j * str[1]];
                }
            }
        }
        if (m == 0 || n == 0 || k == 0 || alpha == 0f) {
            return y;
        }
        GemmPacked pb = packedB != null ? packedB : Gemm.packBScratch(transB, k, n, b.floats(), 0, b.dim(1));
        GemmPacked pa = Gemm.packAScratch(transA, m, k, a.floats(), 0, a.dim(1));
        Gemm.multiply(pa, pb, alpha, yf, 0, n);
        return y;
    }
}
