package dev.lowbit.tensor.kernels;

import dev.lowbit.tensor.Parallel;
import dev.lowbit.tensor.Shapes;

/**
 * How to walk two numpy-broadcast operands as "rows": the output is cut into {@link #rows()}
 * contiguous runs of {@link #rowLength()} elements; in each run every operand is either read
 * contiguously (inner stride 1) or held constant (inner stride 0). Adjacent axes that broadcast
 * the same way are merged first, so same-shape inputs become one long row, a scalar operand a
 * row with stride 0, {@code [N,C,H,W] + [C,1,1]} rows of H*W against one channel value and
 * {@code [M,K] + [K]} rows of K read from both sides. Every case is then a contiguous loop.
 */
public final class BroadcastPlan {
    private final int[] outShape;
    private final int rows;
    private final int rowLength;
    private final int aInner;
    private final int bInner;
    /** Merged outer axes (all but the last merged axis) and each operand's stride along them. */
    private final int[] outerDims;
    private final int[] aOuterStrides;
    private final int[] bOuterStrides;

    private BroadcastPlan(int[] outShape, int[] dims, int[] sa, int[] sb) {
        this.outShape = outShape;
        int r = dims.length;
        this.rowLength = r == 0 ? 1 : dims[r - 1];
        this.aInner = r == 0 ? 0 : sa[r - 1];
        this.bInner = r == 0 ? 0 : sb[r - 1];
        int outer = Math.max(0, r - 1);
        this.outerDims = java.util.Arrays.copyOf(dims, outer);
        this.aOuterStrides = java.util.Arrays.copyOf(sa, outer);
        this.bOuterStrides = java.util.Arrays.copyOf(sb, outer);
        int n = 1;
        for (int d : outerDims) {
            n *= d;
        }
        this.rows = Shapes.size(outShape) == 0 ? 0 : n;
    }

    /** The plan for {@code a op b}; throws when the shapes do not broadcast. */
    public static BroadcastPlan of(int[] a, int[] b) {
        int[] out = Shapes.broadcast(a, b);
        int[] sa = Shapes.broadcastStrides(a, out);
        int[] sb = Shapes.broadcastStrides(b, out);
        // Merge axis i into the run of axis i+1 when both operands continue contiguously (or both stay put).
        int[] dims = new int[out.length];
        int[] ma = new int[out.length];
        int[] mb = new int[out.length];
        int m = 0;
        for (int i = out.length - 1; i >= 0; i--) {
            if (out[i] == 1) {
                continue;
            }
            if (m > 0) {
                int last = m - 1;
                boolean aJoins = sa[i] == ma[last] * dims[last];
                boolean bJoins = sb[i] == mb[last] * dims[last];
                if (aJoins && bJoins) {
                    dims[last] *= out[i];
                    continue;
                }
            }
            dims[m] = out[i];
            ma[m] = sa[i];
            mb[m] = sb[i];
            m++;
        }
        // The merged axes were collected innermost first; flip them to row-major order.
        int[] d = new int[m];
        int[] xa = new int[m];
        int[] xb = new int[m];
        for (int i = 0; i < m; i++) {
            d[i] = dims[m - 1 - i];
            xa[i] = ma[m - 1 - i];
            xb[i] = mb[m - 1 - i];
        }
        return new BroadcastPlan(out, d, xa, xb);
    }

    public int[] outShape() {
        return outShape.clone();
    }

    public int rows() {
        return rows;
    }

    public int rowLength() {
        return rowLength;
    }

    /** 1 when operand a is read contiguously along a row, 0 when it is one value per row. */
    public int aInnerStride() {
        return aInner;
    }

    public int bInnerStride() {
        return bInner;
    }

    /** Offset in a of the first element of row {@code r}. */
    public int aOffset(int r) {
        return offset(r, aOuterStrides);
    }

    public int bOffset(int r) {
        return offset(r, bOuterStrides);
    }

    private int offset(int r, int[] strides) {
        int off = 0;
        for (int i = outerDims.length - 1; i >= 0 && r > 0; i--) {
            int d = outerDims[i];
            off += (r % d) * strides[i];
            r /= d;
        }
        return off;
    }

    /** Receives one output element's flat index and the flat indices of its two inputs. */
    @FunctionalInterface
    public interface ElementVisitor {
        void visit(int out, int a, int b);
    }

    /** Visits every output element in order (the generic, non-vector path). */
    public void forEach(ElementVisitor v) {
        int o = 0;
        for (int r = 0; r < rows; r++) {
            int ao = aOffset(r);
            int bo = bOffset(r);
            for (int j = 0; j < rowLength; j++) {
                v.visit(o++, ao + j * aInner, bo + j * bInner);
            }
        }
    }

    /**
     * Runs {@code body} over the rows in parallel chunks; a single long row is split into
     * sub-rows so that same-shape inputs also use every core.
     */
    public void forRows(RowBody body) {
        if (rows == 1) {
            Parallel.forRange(rowLength, 1 << 15, (s, e) -> body.run(s * aInner, s * bInner, s, e - s));
            return;
        }
        int grain = Math.max(1, (1 << 15) / Math.max(1, rowLength));
        Parallel.forRange(rows, grain, (s, e) -> {
            for (int r = s; r < e; r++) {
                body.run(aOffset(r), bOffset(r), r * rowLength, rowLength);
            }
        });
    }

    /** One contiguous run: operand offsets, output offset and length. */
    @FunctionalInterface
    public interface RowBody {
        void run(int aOffset, int bOffset, int outOffset, int length);
    }

    /** Flat index into an operand for output index {@code o}: the slow reference mapping. */
    public static int referenceIndex(int o, int[] outShape, int[] operandShape) {
        int[] strides = Shapes.broadcastStrides(operandShape, outShape);
        int idx = 0;
        for (int i = outShape.length - 1; i >= 0; i--) {
            idx += (o % outShape[i]) * strides[i];
            o /= outShape[i];
        }
        return idx;
    }

    /** Receives one output element's flat index and the flat indices of its three inputs. */
    @FunctionalInterface
    public interface Visitor3 {
        void visit(int out, int a, int b, int c);
    }

    /**
     * Visits every element of {@code outShape} with the matching flat indices of three operands of
     * the given shapes (each broadcast to {@code outShape}), in output order.
     */
    public static void forEach3(int[] outShape, int[] a, int[] b, int[] c, Visitor3 v) {
        int n = Shapes.size(outShape);
        int r = outShape.length;
        int[] sa = Shapes.broadcastStrides(a, outShape);
        int[] sb = Shapes.broadcastStrides(b, outShape);
        int[] sc = Shapes.broadcastStrides(c, outShape);
        int[] idx = new int[r];
        int ia = 0;
        int ib = 0;
        int ic = 0;
        for (int o = 0; o < n; o++) {
            v.visit(o, ia, ib, ic);
            // Odometer step: bump the last axis, carrying into earlier ones.
            for (int d = r - 1; d >= 0; d--) {
                idx[d]++;
                ia += sa[d];
                ib += sb[d];
                ic += sc[d];
                if (idx[d] < outShape[d]) {
                    break;
                }
                ia -= sa[d] * outShape[d];
                ib -= sb[d] * outShape[d];
                ic -= sc[d] * outShape[d];
                idx[d] = 0;
            }
        }
    }
}
