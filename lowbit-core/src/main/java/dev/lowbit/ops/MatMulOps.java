package dev.lowbit.ops;

import dev.lowbit.exec.OpContext;
import dev.lowbit.exec.OpRegistry;
import dev.lowbit.UnsupportedOpException;
import dev.lowbit.tensor.DType;
import dev.lowbit.tensor.Parallel;
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

    static dev.lowbit.exec.Op matMul(OpContext ctx) {
        String label = ctx.node().label();
        Tensor constB = ctx.constantInput(1);
        GemmPacked packedB = constB != null && constB.dtype() == DType.FLOAT && constB.rank() == 2
                ? Gemm.packB(false, constB.dim(0), constB.dim(1), constB.floats(), 0, constB.dim(1)) : null;
        return inputs -> new Tensor[] {matMul(label, inputs[0], inputs[1], packedB)};
    }

    static Tensor matMul(String label, Tensor a, Tensor b, GemmPacked packedB) {
        if (a.dtype() != DType.FLOAT || b.dtype() != DType.FLOAT) {
            throw new UnsupportedOpException(label + ": MatMul supports float tensors only, got "
                    + a.dtype().onnxName() + " x " + b.dtype().onnxName());
        }
        int[] as = a.rank() == 1 ? new int[] {1, a.dim(0)} : a.shapeRef();
        int[] bs = b.rank() == 1 ? new int[] {b.dim(0), 1} : b.shapeRef();
        if (a.rank() == 0 || b.rank() == 0) {
            throw new IllegalArgumentException(label + ": MatMul operands must have rank >= 1");
        }
        int m = as[as.length - 2], k = as[as.length - 1], n = bs[bs.length - 1];
        if (bs[bs.length - 2] != k) {
            throw new IllegalArgumentException(label + ": MatMul inner dimensions differ: " + Arrays.toString(a.shapeRef())
                    + " x " + Arrays.toString(b.shapeRef()));
        }
        int[] aBatch = Arrays.copyOf(as, as.length - 2);
        int[] bBatch = Arrays.copyOf(bs, bs.length - 2);
        int[] batch = Shapes.broadcast(aBatch, bBatch);
        int[] full = Arrays.copyOf(batch, batch.length + 2);
        full[batch.length] = m;
        full[batch.length + 1] = n;
        Tensor y = Tensor.zeros(DType.FLOAT, full);
        float[] af = a.floats(), bf = b.floats(), yf = y.floats();
        int batches = Shapes.size(batch);
        if (batches > 0 && m > 0 && n > 0 && k > 0) {
            if (Shapes.size(bBatch) == 1) {
                // B is one matrix shared by every batch: A's batches stack into one tall GEMM.
                int rows = batches * m;
                if (Shapes.size(aBatch) != batches) {
                    rows = m; // A is also a single matrix broadcast over a larger batch: compute once, copy.
                }
                GemmPacked pb = packedB != null ? packedB : Gemm.packBScratch(false, k, n, bf, 0, n);
                GemmPacked pa = Gemm.packAScratch(false, rows, k, af, 0, k);
                Gemm.multiply(pa, pb, 1f, yf, 0, n);
                for (int i = rows; i < batches * m; i += rows) {
                    System.arraycopy(yf, 0, yf, i * n, rows * n);
                }
            } else {
                int[] aStr = Shapes.broadcastStrides(aBatch, batch);
                int[] bStr = Shapes.broadcastStrides(bBatch, batch);
                int[] idxStr = Shapes.strides(batch);
                Parallel.forRange(batches, 1, (t0, t1) -> {
                    for (int t = t0; t < t1; t++) {
                        int aIdx = 0, bIdx = 0;
                        for (int d = 0; d < batch.length; d++) {
                            int i = (t / idxStr[d]) % batch[d];
                            aIdx += i * aStr[d];
                            bIdx += i * bStr[d];
                        }
                        Gemm.gemm(false, false, m, n, k, 1f, af, aIdx * m * k, k, bf, bIdx * k * n, n, 0f, yf,
                                t * m * n, n);
                    }
                });
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
