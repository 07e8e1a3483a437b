package dev.lowbit.ops;

import dev.lowbit.UnsupportedOpException;
import dev.lowbit.tensor.DType;
import dev.lowbit.tensor.Tensor;
import dev.lowbit.tensor.kernels.BinaryFloatKernels;
import dev.lowbit.tensor.kernels.BroadcastPlan;

/**
 * Broadcasting binary evaluation for every element type. float32 ops that have a vector kernel
 * go through {@link BinaryFloatKernels}; everything else is computed element by element in double
 * (floating types) or long (integer types, wrapped back to their width on store).
 */
final class BinaryEval {
    /** A floating-point definition of an op. */
    interface D {
        double apply(double x, double y);
    }

    /** An integer definition of an op, on values widened to long (unsigned ones zero-extended). */
    interface J {
        long apply(long x, long y);
    }

    interface DPred {
        boolean test(double x, double y);
    }

    interface JPred {
        boolean test(long x, long y);
    }

    private BinaryEval() {
    }

    static void requireSameType(String op, Tensor a, Tensor b) {
        if (a.dtype() != b.dtype()) {
            throw new IllegalArgumentException(op + ": input types differ (" + a.dtype().onnxName() + " and "
                    + b.dtype().onnxName() + ")");
        }
    }

    /**
     * {@code a op b} with the type of {@code a}. {@code fast} may be null (no float kernel);
     * {@code ints} null means integer types are unsupported; {@code uint64} overrides {@code ints}
     * for UINT64 where unsigned semantics differ (division, comparison).
     */
    static Tensor arith(String op, Tensor a, Tensor b, BinaryFloatKernels.Op fast, D fp, J ints, J uint64) {
        BroadcastPlan plan = BroadcastPlan.of(a.shapeRef(), b.shapeRef());
        DType t = a.dtype();
        if (t == DType.FLOAT && b.dtype() == DType.FLOAT && fast != null) {
            return Tensor.wrap(DType.FLOAT, plan.outShape(), BinaryFloatKernels.apply(fast, a.floats(), b.floats(), plan));
        }
        Tensor out = Tensor.zeros(t, plan.outShape());
        if (t == DType.FLOAT && fp != null) {
            float[] o = out.floats();
            float[] x = a.floats();
            if (b.dtype() == DType.FLOAT) {
                float[] y = b.floats();
                plan.forEach((i, ia, ib) -> o[i] = (float) fp.apply(x[ia], y[ib]));
            } else {
                plan.forEach((i, ia, ib) -> o[i] = (float) fp.apply(x[ia], b.getDouble(ib)));
            }
        } else if (t == DType.DOUBLE && fp != null) {
            double[] o = out.doubles();
            double[] x = a.doubles();
            plan.forEach((i, ia, ib) -> o[i] = fp.apply(x[ia], b.getDouble(ib)));
        } else if (t.isFloatingPoint() && fp != null) {
            plan.forEach((i, ia, ib) -> out.setDouble(i, fp.apply(a.getDouble(ia), b.getDouble(ib))));
        } else if (t.isInteger() && ints != null) {
            J f = t == DType.UINT64 && uint64 != null ? uint64 : ints;
            if (t == DType.INT64 && b.dtype() == DType.INT64) {
                long[] o = out.longs();
                long[] x = a.longs();
                long[] y = b.longs();
                plan.forEach((i, ia, ib) -> o[i] = f.apply(x[ia], y[ib]));
            } else {
                plan.forEach((i, ia, ib) -> out.setLong(i, f.apply(a.getLong(ia), b.getLong(ib))));
            }
        } else {
            throw new UnsupportedOpException(op + ": unsupported data type " + t.onnxName());
        }
        return out;
    }

    /** A comparison with a bool result; {@code uint64} overrides {@code ints} for UINT64. */
    static Tensor compare(String op, Tensor a, Tensor b, DPred fp, JPred ints, JPred uint64) {
        requireSameType(op, a, b);
        BroadcastPlan plan = BroadcastPlan.of(a.shapeRef(), b.shapeRef());
        DType t = a.dtype();
        Tensor out = Tensor.zeros(DType.BOOL, plan.outShape());
        boolean[] o = out.bools();
        if (t == DType.FLOAT) {
            float[] x = a.floats();
            float[] y = b.floats();
            plan.forEach((i, ia, ib) -> o[i] = fp.test(x[ia], y[ib]));
        } else if (t.isFloatingPoint()) {
            plan.forEach((i, ia, ib) -> o[i] = fp.test(a.getDouble(ia), b.getDouble(ib)));
        } else if (t.isInteger() || t == DType.BOOL) {
            JPred f = t == DType.UINT64 ? uint64 : ints;
            plan.forEach((i, ia, ib) -> o[i] = f.test(a.getLong(ia), b.getLong(ib)));
        } else if (t == DType.STRING && op.equals("Equal")) {
            String[] x = a.strings();
            String[] y = b.strings();
            plan.forEach((i, ia, ib) -> o[i] = x[ia].equals(y[ib]));
        } else {
            throw new UnsupportedOpException(op + ": unsupported data type " + t.onnxName());
        }
        return out;
    }

    /** A bool-in, bool-out logical op. */
    static Tensor logical(String op, Tensor a, Tensor b, JPred f) {
        if (a.dtype() != DType.BOOL || b.dtype() != DType.BOOL) {
            throw new UnsupportedOpException(op + ": unsupported data type " + a.dtype().onnxName());
        }
        BroadcastPlan plan = BroadcastPlan.of(a.shapeRef(), b.shapeRef());
        Tensor out = Tensor.zeros(DType.BOOL, plan.outShape());
        boolean[] o = out.bools();
        boolean[] x = a.bools();
        boolean[] y = b.bools();
        plan.forEach((i, ia, ib) -> o[i] = f.test(x[ia] ? 1 : 0, y[ib] ? 1 : 0));
        return out;
    }
}
