package dev.lowbit.ops;

import dev.lowbit.exec.Op;
import dev.lowbit.exec.OpContext;
import dev.lowbit.exec.OpRegistry;
import dev.lowbit.UnsupportedOpException;
import dev.lowbit.tensor.Tensor;
import java.util.Arrays;

/** Shrink (opset 9) and Det (opset 11). */
final class MiscMathOps implements OpRegistry.Family {
    @Override
    public void register(OpRegistry r) {
        r.register("", "Shrink", 9, MiscMathOps::shrink);
        r.register("", "Det", 11, ctx -> MiscMathOps::det);
    }

    /** x < -lambd: x + bias; x > lambd: x - bias; else 0. */
    private static Op shrink(OpContext ctx) {
        double lambd = ctx.node().getFloat("lambd", 0.5f);
        double bias = ctx.node().getFloat("bias", 0f);
        return in -> {
            Tensor x = in[0];
            if (!x.dtype().isFloatingPoint() && !x.dtype().isInteger()) {
                throw new UnsupportedOpException("Shrink: unsupported data type " + x.dtype().onnxName());
            }
            Tensor y = Tensor.zeros(x.dtype(), x.shape());
            boolean fp = x.dtype().isFloatingPoint();
            for (int i = 0; i < x.size(); i++) {
                double v = x.getDouble(i);
                double r = v < -lambd ? v + bias : v > lambd ? v - bias : 0;
                if (fp) {
                    y.setDouble(i, r);
                } else {
                    y.setLong(i, (long) r);
                }
            }
            return new Tensor[] {y};
        };
    }

    /** Determinants of the trailing [M, M] matrices, by LU decomposition with partial pivoting in double. */
    private static Tensor[] det(Tensor[] in) {
        Tensor x = in[0];
        if (!x.dtype().isFloatingPoint()) {
            throw new UnsupportedOpException("Det: unsupported data type " + x.dtype().onnxName());
        }
        int rank = x.rank();
        int m = x.dim(rank - 1);
        if (rank < 2 || x.dim(rank - 2) != m) {
            throw new UnsupportedOpException("Det: input must end in a square matrix, is " + Arrays.toString(x.shapeRef()));
        }
        int[] shape = Arrays.copyOf(x.shapeRef(), rank - 2);
        Tensor y = Tensor.zeros(x.dtype(), shape);
        double[] a = new double[m * m];
        for (int b = 0; b < y.size(); b++) {
            for (int i = 0; i < m * m; i++) {
                a[i] = x.getDouble(b * m * m + i);
            }
            y.setDouble(b, determinant(a, m));
        }
        return new Tensor[] {y};
    }

    static double determinant(double[] a, int m) {
        double det = 1;
        for (int c = 0; c < m; c++) {
            int pivot = c;
            for (int r = c + 1; r < m; r++) {
                if (Math.abs(a[r * m + c]) > Math.abs(a[pivot * m + c])) {
                    pivot = r;
                }
            }
            if (a[pivot * m + c] == 0) {
                return 0;
            }
            if (pivot != c) {
                for (int k = 0; k < m; k++) {
                    double t = a[c * m + k];
                    a[c * m + k] = a[pivot * m + k];
                    a[pivot * m + k] = t;
                }
                det = -det;
            }
            double d = a[c * m + c];
            det *= d;
            for (int r = c + 1; r < m; r++) {
                double f = a[r * m + c] / d;
                for (int k = c; k < m; k++) {
                    a[r * m + k] -= f * a[c * m + k];
                }
            }
        }
        return det;
    }
}
