package dev.lowbit.ops;

import dev.lowbit.exec.OpRegistry;
import dev.lowbit.UnsupportedOpException;
import dev.lowbit.tensor.DType;
import dev.lowbit.tensor.Tensor;
import dev.lowbit.tensor.kernels.BinaryFloatKernels;
import dev.lowbit.tensor.kernels.BroadcastPlan;
import dev.lowbit.tensor.Shapes;

/**
 * Broadcasting binary ops: arithmetic, variadic Sum/Mean/Min/Max, bit shifts, logic, comparisons
 * and Where. Registers the unary math ops ({@link UnaryOps}) too.
 */
public final class ElementwiseOps implements OpRegistry.Family {
    @Override
    public void register(OpRegistry r) {
        arith(r, "Add", BinaryFloatKernels.Op.ADD, (x, y) -> x + y, (x, y) -> x + y, null);
        arith(r, "Sub", BinaryFloatKernels.Op.SUB, (x, y) -> x - y, (x, y) -> x - y, null);
        arith(r, "Mul", BinaryFloatKernels.Op.MUL, (x, y) -> x * y, (x, y) -> x * y, null);
        // Integer division truncates toward zero, as in C (Java's / does the same).
        arith(r, "Div", BinaryFloatKernels.Op.DIV, (x, y) -> x / y, (x, y) -> x / y, Long::divideUnsigned);
        r.register("Pow", ctx -> {
            int legacyAxis = legacyAxis(ctx);
            return in -> new Tensor[] {pow(in[0], alignLegacy(in[0], in[1], legacyAxis))};
        });
        r.register("Mod", ctx -> {
            boolean fmod = ctx.node().getInt("fmod", 0) != 0;
            return in -> {
                BinaryEval.requireSameType("Mod", in[0], in[1]);
                return new Tensor[] {fmod
                        ? BinaryEval.arith("Mod", in[0], in[1], null, (x, y) -> x % y, (x, y) -> x % y,
                                Long::remainderUnsigned)
                        : BinaryEval.arith("Mod", in[0], in[1], null, ElementwiseOps::pythonMod, Math::floorMod,
                                Long::remainderUnsigned)};
            };
        });
        variadic(r, "Sum", BinaryFloatKernels.Op.ADD, (x, y) -> x + y, (x, y) -> x + y, null);
        variadic(r, "Min", BinaryFloatKernels.Op.MIN, Math::min, Math::min,
                (x, y) -> Long.compareUnsigned(x, y) <= 0 ? x : y);
        variadic(r, "Max", BinaryFloatKernels.Op.MAX, Math::max, Math::max,
                (x, y) -> Long.compareUnsigned(x, y) >= 0 ? x : y);
        r.register("Mean", ctx -> in -> {
            Tensor sum = fold("Mean", in, BinaryFloatKernels.Op.ADD, (x, y) -> x + y, null, null);
            if (!sum.dtype().isFloatingPoint()) {
                throw new UnsupportedOpException("Mean: unsupported data type " + sum.dtype().onnxName());
            }
            Tensor n = Tensor.zeros(sum.dtype());
            n.setDouble(0, in.length);
            return new Tensor[] {BinaryEval.arith("Mean", sum, n, BinaryFloatKernels.Op.DIV, (x, y) -> x / y, null, null)};
        });
        r.register("PRelu", ctx -> in -> {
            BinaryEval.requireSameType("PRelu", in[0], in[1]);
            Tensor slope = in[1];
            if (ctx.opset() < 7 && slope.rank() == 1 && slope.size() > 1 && in[0].rank() >= 2
                    && slope.size() == in[0].dim(1)) {
                // Before opset 7 a 1-D slope is per channel (axis 1), not numpy-broadcast from the right.
                int[] perChannel = new int[in[0].rank() - 1];
                java.util.Arrays.fill(perChannel, 1);
                perChannel[0] = slope.size();
                slope = slope.reshape(perChannel);
            }
            return new Tensor[] {BinaryEval.arith("PRelu", in[0], slope, BinaryFloatKernels.Op.PRELU,
                    (x, s) -> x < 0 ? x * s : x, (x, s) -> x < 0 ? x * s : x, (x, s) -> x)};
        });
        r.register("BitShift", ctx -> {
            String dir = ctx.node().getString("direction", "");
            if (!dir.equals("LEFT") && !dir.equals("RIGHT")) {
                throw ctx.unsupported("direction '" + dir + "'");
            }
            boolean left = dir.equals("LEFT");
            return in -> {
                BinaryEval.requireSameType("BitShift", in[0], in[1]);
                if (!in[0].dtype().isUnsigned()) {
                    throw new UnsupportedOpException("BitShift: unsupported data type " + in[0].dtype().onnxName());
                }
                BinaryEval.J f = left ? (x, y) -> Long.compareUnsigned(y, 64) >= 0 ? 0 : x << y
                        : (x, y) -> Long.compareUnsigned(y, 64) >= 0 ? 0 : x >>> y;
                return new Tensor[] {BinaryEval.arith("BitShift", in[0], in[1], null, null, f, f)};
            };
        });
        r.register("And", ctx -> in -> new Tensor[] {BinaryEval.logical("And", in[0], in[1], (x, y) -> (x & y) != 0)});
        r.register("Or", ctx -> in -> new Tensor[] {BinaryEval.logical("Or", in[0], in[1], (x, y) -> (x | y) != 0)});
        r.register("Xor", ctx -> in -> new Tensor[] {BinaryEval.logical("Xor", in[0], in[1], (x, y) -> (x ^ y) != 0)});
        compare(r, "Equal", (x, y) -> x == y, (x, y) -> x == y, (x, y) -> x == y);
        compare(r, "Less", (x, y) -> x < y, (x, y) -> x < y, (x, y) -> Long.compareUnsigned(x, y) < 0);
        compare(r, "Greater", (x, y) -> x > y, (x, y) -> x > y, (x, y) -> Long.compareUnsigned(x, y) > 0);
        compare(r, "LessOrEqual", (x, y) -> x <= y, (x, y) -> x <= y, (x, y) -> Long.compareUnsigned(x, y) <= 0);
        compare(r, "GreaterOrEqual", (x, y) -> x >= y, (x, y) -> x >= y, (x, y) -> Long.compareUnsigned(x, y) >= 0);
        r.register("Where", ctx -> in -> new Tensor[] {where(in[0], in[1], in[2])});
        new UnaryOps().register(r);
    }

    private static void arith(OpRegistry r, String name, BinaryFloatKernels.Op fast, BinaryEval.D fp, BinaryEval.J ints,
            BinaryEval.J uint64) {
        r.register(name, ctx -> {
            int legacyAxis = legacyAxis(ctx);
            return in -> {
                BinaryEval.requireSameType(name, in[0], in[1]);
                Tensor b = alignLegacy(in[0], in[1], legacyAxis);
                return new Tensor[] {BinaryEval.arith(name, in[0], b, fast, fp, ints, uint64)};
            };
        });
    }

    /** Before opset 7, broadcast=1 with an axis attribute aligns B with A at that axis; Integer.MIN_VALUE when absent. */
    static int legacyAxis(dev.lowbit.exec.OpContext ctx) {
        if (ctx.opset() >= 7 || ctx.node().getInt("broadcast", 0) == 0 || !ctx.node().has("axis")) {
            return Integer.MIN_VALUE;
        }
        return (int) ctx.node().getInt("axis", 0);
    }

    /** Reshapes a legacy-broadcast B so that numpy broadcasting puts it at {@code axis} of A. */
    static Tensor alignLegacy(Tensor a, Tensor b, int axis) {
        if (axis == Integer.MIN_VALUE) {
            return b;
        }
        int start = axis < 0 ? axis + a.rank() : axis;
        int trailing = a.rank() - start - b.rank();
        if (trailing <= 0) {
            return b;
        }
        int[] shape = java.util.Arrays.copyOf(b.shapeRef(), b.rank() + trailing);
        java.util.Arrays.fill(shape, b.rank(), shape.length, 1);
        return b.reshape(shape);
    }

    private static void variadic(OpRegistry r, String name, BinaryFloatKernels.Op fast, BinaryEval.D fp,
            BinaryEval.J ints, BinaryEval.J uint64) {
        r.register(name, ctx -> in -> new Tensor[] {fold(name, in, fast, fp, ints, uint64)});
    }

    /** Left fold of a broadcasting op over all inputs. */
    private static Tensor fold(String name, Tensor[] in, BinaryFloatKernels.Op fast, BinaryEval.D fp, BinaryEval.J ints,
            BinaryEval.J uint64) {
        if (in.length == 0) {
            throw new IllegalArgumentException(name + ": needs at least one input");
        }
        Tensor acc = in[0];
        if (in.length == 1) {
            DType t = acc.dtype();
            if (!(t.isFloatingPoint() || t.isInteger() && ints != null)) {
                throw new UnsupportedOpException(name + ": unsupported data type " + t.onnxName());
            }
            return acc;
        }
        for (int i = 1; i < in.length; i++) {
            BinaryEval.requireSameType(name, acc, in[i]);
            acc = BinaryEval.arith(name, acc, in[i], fast, fp, ints, uint64);
        }
        return acc;
    }

    private static void compare(OpRegistry r, String name, BinaryEval.DPred fp, BinaryEval.JPred ints,
            BinaryEval.JPred uint64) {
        r.register(name, ctx -> in -> new Tensor[] {BinaryEval.compare(name, in[0], in[1], fp, ints, uint64)});
    }

    /** Python/numpy modulo: the result takes the sign of the divisor. */
    static double pythonMod(double x, double y) {
        double m = x % y;
        return m != 0 && (m < 0) != (y < 0) ? m + y : m;
    }

    /** Pow with independent base and exponent types; the result has the base's type. */
    static Tensor pow(Tensor a, Tensor b) {
        DType t = a.dtype();
        if (!(t.isFloatingPoint() || t.isInteger()) || !(b.dtype().isFloatingPoint() || b.dtype().isInteger())) {
            throw new UnsupportedOpException("Pow: unsupported data type " + t.onnxName() + "^" + b.dtype().onnxName());
        }
        if (t.isInteger() && b.dtype().isInteger()) {
            return BinaryEval.arith("Pow", a, b, null, null, ElementwiseOps::intPow, ElementwiseOps::intPow);
        }
        BroadcastPlan plan = BroadcastPlan.of(a.shapeRef(), b.shapeRef());
        Tensor out = Tensor.zeros(t, plan.outShape());
        if (t == DType.FLOAT && b.dtype() == DType.FLOAT) {
            float[] o = out.floats();
            float[] x = a.floats();
            float[] y = b.floats();
            plan.forEach((i, ia, ib) -> o[i] = (float) Math.pow(x[ia], y[ib]));
        } else {
            // Integer bases with float exponents: pow in double, truncated like a C cast.
            plan.forEach((i, ia, ib) -> out.setDouble(i, Math.pow(a.getDouble(ia), b.getDouble(ib))));
        }
        return out;
    }

    /** Integer power by squaring (wrapping like C); negative exponents give 0 except for bases of +-1. */
    static long intPow(long base, long exp) {
        if (exp < 0) {
            return base == 1 ? 1 : base == -1 ? ((exp & 1) == 0 ? 1 : -1) : 0;
        }
        long result = 1;
        while (exp > 0) {
            if ((exp & 1) != 0) {
                result *= base;
            }
            base *= base;
            exp >>= 1;
        }
        return result;
    }

    /** Where(cond, x, y) with three-way broadcasting; x and y may be of any (matching) type. */
    static Tensor where(Tensor cond, Tensor x, Tensor y) {
        BinaryEval.requireSameType("Where", x, y);
        if (cond.dtype() != DType.BOOL) {
            throw new IllegalArgumentException("Where: condition must be bool, got " + cond.dtype().onnxName());
        }
        int[] shape = Shapes.broadcast(Shapes.broadcast(cond.shapeRef(), x.shapeRef()), y.shapeRef());
        Tensor out = Tensor.zeros(x.dtype(), shape);
        boolean[] c = cond.bools();
        if (x.dtype() == DType.FLOAT) {
            float[] o = out.floats();
            float[] xs = x.floats();
            float[] ys = y.floats();
            BroadcastPlan.forEach3(shape, cond.shapeRef(), x.shapeRef(), y.shapeRef(),
                    (i, ic, ix, iy) -> o[i] = c[ic] ? xs[ix] : ys[iy]);
        } else {
            Object o = out.data();
            Object xs = x.data();
            Object ys = y.data();
            BroadcastPlan.forEach3(shape, cond.shapeRef(), x.shapeRef(), y.shapeRef(),
                    (i, ic, ix, iy) -> System.arraycopy(c[ic] ? xs : ys, c[ic] ? ix : iy, o, i, 1));
        }
        return out;
    }
}
