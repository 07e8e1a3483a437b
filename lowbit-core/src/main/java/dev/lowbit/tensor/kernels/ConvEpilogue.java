package dev.lowbit.tensor.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;

/**
 * The cheap ends of a convolution's GEMM, run on output rows while they are in cache: the
 * accumulator starts as bias (+ a fused residual), and a fused Relu/Clip is applied as the rows are
 * stored. Fusing these saves the separate passes over memory that Add and Relu nodes would make.
 */
public final class ConvEpilogue {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

    private ConvEpilogue() {
    }

    /** dst[dOff, dOff+len) = bias + (res == null ? 0 : res[rOff, rOff+len)). */
    public static void init(float[] dst, int dOff, int len, float bias, float[] res, int rOff) {
        if (res == null) {
            java.util.Arrays.fill(dst, dOff, dOff + len, bias);
            return;
        }
        if (bias == 0f) {
            System.arraycopy(res, rOff, dst, dOff, len);
            return;
        }
        int i = 0;
        FloatVector vb = FloatVector.broadcast(S, bias);
        for (int end = S.loopBound(len); i < end; i += S.length()) {
            FloatVector.fromArray(S, res, rOff + i).add(vb).intoArray(dst, dOff + i);
        }
        for (; i < len; i++) {
            dst[dOff + i] = res[rOff + i] + bias;
        }
    }

    /** dst[dOff, dOff+len) = clamp(src[sOff, sOff+len), lo, hi), or a plain copy when not {@code clamp}. */
    public static void store(float[] src, int sOff, float[] dst, int dOff, int len, boolean clamp, float lo, float hi) {
        if (!clamp) {
            System.arraycopy(src, sOff, dst, dOff, len);
            return;
        }
        FloatVector vlo = FloatVector.broadcast(S, lo);
        FloatVector vhi = FloatVector.broadcast(S, hi);
        int i = 0;
        for (int end = S.loopBound(len); i < end; i += S.length()) {
            FloatVector.fromArray(S, src, sOff + i).max(vlo).min(vhi).intoArray(dst, dOff + i);
        }
        if (i < len && fits(src, sOff + i) && fits(dst, dOff + i)) {
            VectorMask<Float> m = S.indexInRange(i, len); // masked tail: see finish
            FloatVector.fromArray(S, src, sOff + i, m).max(vlo).min(vhi).intoArray(dst, dOff + i, m);
            return;
        }
        for (; i < len; i++) {
            dst[dOff + i] = Clamp.reference(src[sOff + i], lo, hi);
        }
    }

    /*
     * No vector value in these loops flows through a branch: with "if (res != null) v = v.add(r)"
     * inside the loop, C2 merged two vector values in a phi whenever the profile had seen both
     * cases before the method was compiled, and such merges are compiled with boxed vectors. Which
     * case the profile had seen depended on compile timing, so some JVM launches ran a ResNet's
     * epilogues ~1.4x slower than others. Each variant below is one straight-line vector loop.
     */

    /**
     * dst[dOff, dOff+len) = clamp(src[sOff..] + bias + res[rOff..]) (res may be null; no clamp unless
     * {@code clamp}): the whole epilogue when the accumulators start from zero.
     */
    public static void finish(float[] src, int sOff, float[] dst, int dOff, int len, float bias, float[] res, int rOff,
            boolean clamp, float lo, float hi) {
        float l = clamp ? lo : Float.NEGATIVE_INFINITY, h = clamp ? hi : Float.POSITIVE_INFINITY;
        if (res == null) {
            row(src, sOff, dst, dOff, len, bias, l, h);
        } else {
            rowWithResidual(src, sOff, dst, dOff, len, bias, res, rOff, l, h);
        }
    }

    /**
     * {@link #finish} over {@code rows} rows of {@code len} floats: row r reads {@code src} at
     * {@code sOff + r * sStride} and writes {@code dst} (and reads {@code res}) at {@code dOff + r * len}.
     */
    public static void finishRows(float[] src, int sOff, int sStride, float[] dst, int dOff, int rows, int len,
            float bias, float[] res, boolean clamp, float lo, float hi) {
        float l = clamp ? lo : Float.NEGATIVE_INFINITY, h = clamp ? hi : Float.POSITIVE_INFINITY;
        for (int r = 0; r < rows; r++) {
            int so = sOff + r * sStride, d = dOff + r * len;
            if (res == null) {
                row(src, so, dst, d, len, bias, l, h);
            } else {
                rowWithResidual(src, so, dst, d, len, bias, res, d, l, h);
            }
        }
    }

    /** dst = clamp(src + bias) over one row; the tail is a masked vector where it fits in the arrays. */
    private static void row(float[] src, int sOff, float[] dst, int dOff, int len, float bias, float lo, float hi) {
        FloatVector vb = FloatVector.broadcast(S, bias);
        FloatVector vlo = FloatVector.broadcast(S, lo);
        FloatVector vhi = FloatVector.broadcast(S, hi);
        int i = 0;
        for (int end = S.loopBound(len); i < end; i += S.length()) {
            FloatVector.fromArray(S, src, sOff + i).add(vb).max(vlo).min(vhi).intoArray(dst, dOff + i);
        }
        if (i == len) {
            return;
        }
        // The tail is a masked vector too: a scalar clamp there branches on the data's sign and
        // mispredicts half the time, which made narrow feature maps (rows of 7 or 14) twice slower.
        // Masked accesses are only fast when the whole vector lies inside the arrays (else the
        // Vector API checks lane by lane), so the very end of an array takes the scalar loop.
        if (fits(src, sOff + i) && fits(dst, dOff + i)) {
            VectorMask<Float> m = S.indexInRange(i, len);
            FloatVector.fromArray(S, src, sOff + i, m).add(vb).max(vlo).min(vhi).intoArray(dst, dOff + i, m);
            return;
        }
        for (; i < len; i++) {
            dst[dOff + i] = Clamp.reference(src[sOff + i] + bias, lo, hi);
        }
    }

    /** dst = clamp(src + bias + res) over one row. */
    private static void rowWithResidual(float[] src, int sOff, float[] dst, int dOff, int len, float bias, float[] res,
            int rOff, float lo, float hi) {
        FloatVector vb = FloatVector.broadcast(S, bias);
        FloatVector vlo = FloatVector.broadcast(S, lo);
        FloatVector vhi = FloatVector.broadcast(S, hi);
        int i = 0;
        for (int end = S.loopBound(len); i < end; i += S.length()) {
            FloatVector.fromArray(S, src, sOff + i).add(vb).add(FloatVector.fromArray(S, res, rOff + i))
                    .max(vlo).min(vhi).intoArray(dst, dOff + i);
        }
        if (i == len) {
            return;
        }
        if (fits(src, sOff + i) && fits(dst, dOff + i) && fits(res, rOff + i)) {
            VectorMask<Float> m = S.indexInRange(i, len);
            FloatVector.fromArray(S, src, sOff + i, m).add(vb).add(FloatVector.fromArray(S, res, rOff + i, m))
                    .max(vlo).min(vhi).intoArray(dst, dOff + i, m);
            return;
        }
        for (; i < len; i++) {
            dst[dOff + i] = Clamp.reference(src[sOff + i] + bias + res[rOff + i], lo, hi);
        }
    }

    /** Whether a whole vector starting at {@code off} lies inside {@code a}. */
    static boolean fits(float[] a, int off) {
        return off + S.length() <= a.length;
    }

    /** x[off, off+len) += res[rOff, rOff+len) (a residual added after a direct convolution). */
    public static void addInPlace(float[] x, int off, int len, float[] res, int rOff) {
        int i = 0;
        for (int end = S.loopBound(len); i < end; i += S.length()) {
            FloatVector.fromArray(S, x, off + i).add(FloatVector.fromArray(S, res, rOff + i)).intoArray(x, off + i);
        }
        for (; i < len; i++) {
            x[off + i] += res[rOff + i];
        }
    }
}
