package dev.lowbit.ops;

import static dev.lowbit.ops.MlasConversions.cvtps2dq;
import static dev.lowbit.ops.MlasConversions.pack8;
import static dev.lowbit.ops.MlasConversions.value;

import dev.lowbit.UnsupportedOpException;
import dev.lowbit.exec.Op;
import dev.lowbit.exec.OpContext;
import dev.lowbit.exec.OpRegistry;
import dev.lowbit.tensor.DType;
import dev.lowbit.tensor.Tensor;
import dev.lowbit.tensor.kernels.BroadcastPlan;
import dev.lowbit.tensor.kernels.IntQuantize;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicReference;

/**
 * ONNX Runtime's contrib QLinearAdd and QLinearMul (domain com.microsoft), what its QDQ optimiser
 * makes of {@code DQ -> Add|Mul -> Q} with 8-bit types: inputs (A, A_scale, A_zp, B, B_scale,
 * B_zp, C_scale, C_zp), per-tensor parameters, numpy broadcasting. Bit-exact with ORT's x86
 * kernels, which compute in float32 on the integers, not on dequantized values:
 *
 * <ul>
 * <li>QLinearAdd ({@code MlasQLinearAddKernelAvx2Helper}, mlas/lib/intrinsics/avx2/qladd_avx2.cpp):
 *     {@code rA = sA/sC}, {@code rB = sB/sC}, {@code fixed = zC - (rA*zA + rB*zB)} (GCC contracts
 *     the sum into one FMA), then per element {@code c = fma(a, rA, fma(b, rB, fixed))}; with B one
 *     value per span, {@code fixed += b*rB} (contracted) once and {@code c = fma(a, rA, fixed)}.
 * <li>QLinearMul ({@code MlasQLinearMulKernel}, SSE2 path of mlas/lib/qlmul.cpp): the exact
 *     integer product {@code (a - zA)(b - zB)}, then {@code float(p) * (sA*sB/sC) + zC} without FMA.
 * </ul>
 *
 * Both round with CVTPS2DQ (half to even) and saturate by packing. Which operand plays "A" follows
 * ORT's broadcast loop ({@code BroadcastLooper}, providers/cpu/math/element_wise_ops.h): when input 0
 * is one value per innermost run it becomes MLAS's scalar B and input 1 its A.
 */
final class QLinearBinaryOps implements OpRegistry.Family {
    private static final String MS = "com.microsoft";

    @Override
    public void register(OpRegistry r) {
        r.register(MS, "QLinearAdd", 1, ctx -> create(ctx, true));
        r.register(MS, "QLinearMul", 1, ctx -> create(ctx, false));
    }

    /** One MLAS kernel call over a span of A, with B a span too or one value ({@code scalarB}). */
    private interface SpanKernel {
        void run(byte[] a, int ao, byte[] b, int bo, boolean scalarB, byte[] out, int oo, int n);
    }

    private static Op create(OpContext ctx, boolean add) {
        String op = ctx.node().opType();
        AtomicReference<PairTable> lastTable = new AtomicReference<>();
        return inputs -> {
            Tensor a = inputs[0];
            Tensor b = inputs[3];
            boolean unsigned = QuantTensors.unsigned8(a, op + " A");
            if (b.dtype() != a.dtype()) {
                throw new UnsupportedOpException(op + " with A of type " + a.dtype().onnxName() + " and B of type "
                        + b.dtype().onnxName());
            }
            float sa = QuantTensors.scalarScale(inputs[1], op + " A_scale");
            int za = QuantTensors.scalarZeroPoint(inputs[2], a.dtype(), op + " A_zero_point");
            float sb = QuantTensors.scalarScale(inputs[4], op + " B_scale");
            int zb = QuantTensors.scalarZeroPoint(inputs[5], a.dtype(), op + " B_zero_point");
            float sc = QuantTensors.scalarScale(inputs[6], op + " C_scale");
            int zc = QuantTensors.scalarZeroPoint(inputs.length > 7 ? inputs[7] : null, a.dtype(), op + " C_zero_point");
            BroadcastPlan plan = BroadcastPlan.of(a.shapeRef(), b.shapeRef());
            // A Requantize table folded in (OpRegistry.OUTPUT_TABLE) maps each row and sets the output type.
            long tableKind = ctx.node().getInt(OpRegistry.OUTPUT_TABLE, 0);
            byte[] outputTable = tableKind == 0 ? null : QLinearTableOps.requantizeTable(ctx.node(), a.dtype(), inputs[8],
                    inputs[9], inputs[10], inputs[11], tableKind == 2);
            DType outType = outputTable == null ? a.dtype() : inputs[11].dtype();
            Tensor out = Tensor.zeros(outType, plan.outShape());
            byte[] x = a.bytes();
            byte[] y = b.bytes();
            byte[] o = out.bytes();
            BroadcastPlan.RowBody rows;
            if (plan.aInnerStride() == 0) {
                // Input 0 is one value per run: ORT calls MLAS with input 1 as A and input 0 as the scalar B.
                SpanKernel k = add ? AddKernel.of(sb, zb, sa, za, sc, zc, unsigned) : MulKernel.of(sb, zb, sa, za, sc, zc, unsigned);
                rows = (ao, bo, oo, n) -> k.run(y, bo, x, ao, true, o, oo, n);
            } else if (plan.bInnerStride() == 0) {
                SpanKernel k = add ? AddKernel.of(sa, za, sb, zb, sc, zc, unsigned) : MulKernel.of(sa, za, sb, zb, sc, zc, unsigned);
                rows = (ao, bo, oo, n) -> k.run(x, ao, y, bo, true, o, oo, n);
            } else if (add && AddKernel.of(sa, za, sb, zb, sc, zc, unsigned).fitsVectorRounding()) {
                AddKernel k = AddKernel.of(sa, za, sb, zb, sc, zc, unsigned);
                rows = (ao, bo, oo, n) -> IntQuantize.linearAddToBytes(x, ao, y, bo, n, unsigned, k.ratioA(), k.ratioB(),
                        k.fixed(), o, oo);
            } else {
                // Element by element, every output is one of 65536: look it up in the table of the kernel's results.
                PairTable t = lastTable.get();
                if (t == null || !t.fits(sa, za, sb, zb, sc, zc, unsigned)) {
                    SpanKernel k = add ? AddKernel.of(sa, za, sb, zb, sc, zc, unsigned) : MulKernel.of(sa, za, sb, zb, sc, zc, unsigned);
                    t = PairTable.of(k, sa, za, sb, zb, sc, zc, unsigned);
                    lastTable.set(t);
                }
                byte[] table = t.results();
                rows = (ao, bo, oo, n) -> {
                    for (int i = 0; i < n; i++) {
                        o[oo + i] = table[(x[ao + i] & 0xFF) << 8 | (y[bo + i] & 0xFF)];
                    }
                };
            }
            if (outputTable == null) {
                plan.forRows(narrowing(rows, o, unsigned, ctx.node().getInt(OpRegistry.CLAMP_LOW, Long.MIN_VALUE),
                        ctx.node().getInt(OpRegistry.CLAMP_HIGH, Long.MAX_VALUE)));
            } else {
                plan.forRows(mapped(rows, o, outputTable)); // the table holds its clamp (QLinearTableOps.requantizeTable)
            }
            return new Tensor[] {out};
        };
    }

    /** {@code rows}, then each row's bytes mapped through {@code table} while the row is in cache. */
    private static BroadcastPlan.RowBody mapped(BroadcastPlan.RowBody rows, byte[] o, byte[] table) {
        return (ao, bo, oo, n) -> {
            rows.run(ao, bo, oo, n);
            for (int i = oo; i < oo + n; i++) {
                o[i] = table[o[i] & 0xFF];
            }
        };
    }

    /**
     * {@code rows}, then each row's bytes clamped to [low, high] when that is narrower than the type
     * (a byte clamp the engine folded in, {@link OpRegistry#CLAMP_LOW}) while the row is in cache.
     */
    private static BroadcastPlan.RowBody narrowing(BroadcastPlan.RowBody rows, byte[] o, boolean unsigned, long low,
            long high) {
        int lo = (int) Math.max(low, unsigned ? 0 : -128);
        int hi = (int) Math.min(high, unsigned ? 255 : 127);
        if (lo == (unsigned ? 0 : -128) && hi == (unsigned ? 255 : 127)) {
            return rows;
        }
        int mask = unsigned ? 0xFF : -1;
        return (ao, bo, oo, n) -> {
            rows.run(ao, bo, oo, n);
            for (int i = oo; i < oo + n; i++) {
                o[i] = (byte) Math.min(Math.max(o[i] & mask, lo), hi);
            }
        };
    }

    /** The kernel's output for every pair of byte values a, b (index a << 8 | b), for one set of parameters. */
    private record PairTable(float sa, int za, float sb, int zb, float sc, int zc, boolean unsigned, byte[] results) {
        static PairTable of(SpanKernel k, float sa, int za, float sb, int zb, float sc, int zc, boolean unsigned) {
            byte[] every = new byte[256];
            byte[] same = new byte[256];
            for (int i = 0; i < 256; i++) {
                every[i] = (byte) i;
            }
            byte[] results = new byte[1 << 16];
            for (int i = 0; i < 256; i++) {
                Arrays.fill(same, (byte) i);
                k.run(same, 0, every, 0, false, results, i << 8, 256);
            }
            return new PairTable(sa, za, sb, zb, sc, zc, unsigned, results);
        }

        boolean fits(float sa2, int za2, float sb2, int zb2, float sc2, int zc2, boolean unsigned2) {
            return Float.floatToIntBits(sa) == Float.floatToIntBits(sa2) && Float.floatToIntBits(sb) == Float.floatToIntBits(sb2)
                    && Float.floatToIntBits(sc) == Float.floatToIntBits(sc2) && za == za2 && zb == zb2 && zc == zc2
                    && unsigned == unsigned2;
        }
    }

    /** MlasQLinearAddKernelAvx2Helper's arithmetic for one choice of A and B. */
    record AddKernel(float ratioA, float ratioB, float fixed, boolean unsigned) implements SpanKernel {
        static AddKernel of(float sa, int za, float sb, int zb, float sc, int zc, boolean unsigned) {
            float ra = sa / sc;
            float rb = sb / sc;
            // (float)ZeroPointC - (ScaleRatio_AC * ZeroPointA + ScaleRatio_BC * ZeroPointB), contracted by GCC.
            float fixed = (float) zc - Math.fma(ra, (float) za, rb * (float) zb);
            return new AddKernel(ra, rb, fixed, unsigned);
        }

        /**
         * Whether every result stays below 2^22 in magnitude (no int overflow for CVTPS2DQ to flag),
         * so {@link IntQuantize#linearAddToBytes} rounds and saturates exactly as MLAS does.
         */
        boolean fitsVectorRounding() {
            double bound = 256.0 * Math.abs(ratioA) + 256.0 * Math.abs(ratioB) + Math.abs(fixed);
            return bound < (1 << 22);
        }

        @Override
        public void run(byte[] a, int ao, byte[] b, int bo, boolean scalarB, byte[] out, int oo, int n) {
            boolean u = unsigned;
            if (scalarB) {
                float f = Math.fma((float) value(b[bo], u), ratioB, fixed);
                for (int i = 0; i < n; i++) {
                    float c = Math.fma((float) value(a[ao + i], u), ratioA, f);
                    out[oo + i] = (byte) pack8(cvtps2dq(c), u);
                }
                return;
            }
            for (int i = 0; i < n; i++) {
                float c = Math.fma((float) value(b[bo + i], u), ratioB, fixed);
                c = Math.fma((float) value(a[ao + i], u), ratioA, c);
                out[oo + i] = (byte) pack8(cvtps2dq(c), u);
            }
        }
    }

    /** MlasQLinearMulKernel's arithmetic (SSE2 path) for one choice of A and B. */
    private record MulKernel(float ratio, int za, int zb, float zc, boolean unsigned) implements SpanKernel {
        static MulKernel of(float sa, int za, float sb, int zb, float sc, int zc, boolean unsigned) {
            return new MulKernel(sa * sb / sc, za, zb, (float) zc, unsigned);
        }

        @Override
        public void run(byte[] a, int ao, byte[] b, int bo, boolean scalarB, byte[] out, int oo, int n) {
            boolean u = unsigned;
            int bScalar = value(b[bo], u) - zb;
            for (int i = 0; i < n; i++) {
                int db = scalarB ? bScalar : value(b[bo + i], u) - zb;
                float p = (float) ((value(a[ao + i], u) - za) * db) * ratio;
                out[oo + i] = (byte) pack8(cvtps2dq(p + zc), u);
            }
        }
    }
}
