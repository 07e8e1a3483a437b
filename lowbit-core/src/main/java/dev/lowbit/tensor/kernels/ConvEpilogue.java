package dev.lowbit.tensor.kernels;

import java.util.Arrays;

/**
 * The cheap ends of a convolution's GEMM, run on output rows while they are in cache: the
 * accumulator starts as bias (+ a fused residual), and a fused Relu/Clip is applied as the rows are
 * stored. Fusing these saves the separate passes over memory that Add and Relu nodes would make.
 * The row loops are the provider's {@link EpilogueLoops}.
 */
public final class ConvEpilogue {
    private static final EpilogueLoops LOOPS = VectorizationProvider.get().epilogue();

    private ConvEpilogue() {
    }

    /** dst[dOff, dOff+len) = bias + (res == null ? 0 : res[rOff, rOff+len)). */
    public static void init(float[] dst, int dOff, int len, float bias, float[] res, int rOff) {
        if (res == null) {
            Arrays.fill(dst, dOff, dOff + len, bias);
        } else if (bias == 0f) {
            System.arraycopy(res, rOff, dst, dOff, len);
        } else {
            LOOPS.residualPlusBias(dst, dOff, len, bias, res, rOff);
        }
    }

    /** dst[dOff, dOff+len) = clamp(src[sOff, sOff+len), lo, hi), or a plain copy when not {@code clamp}. */
    public static void store(float[] src, int sOff, float[] dst, int dOff, int len, boolean clamp, float lo, float hi) {
        if (clamp) {
            LOOPS.clamp(src, sOff, dst, dOff, len, lo, hi);
        } else {
            System.arraycopy(src, sOff, dst, dOff, len);
        }
    }

    /**
     * dst[dOff, dOff+len) = clamp(src[sOff..] + bias + res[rOff..]) (res may be null; no clamp unless
     * {@code clamp}): the whole epilogue when the accumulators start from zero.
     */
    public static void finish(float[] src, int sOff, float[] dst, int dOff, int len, float bias, float[] res, int rOff,
            boolean clamp, float lo, float hi) {
        float l = clamp ? lo : Float.NEGATIVE_INFINITY, h = clamp ? hi : Float.POSITIVE_INFINITY;
        if (res == null) {
            LOOPS.biasClamp(src, sOff, dst, dOff, len, bias, l, h);
        } else {
            LOOPS.biasResidualClamp(src, sOff, dst, dOff, len, bias, res, rOff, l, h);
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
                LOOPS.biasClamp(src, so, dst, d, len, bias, l, h);
            } else {
                LOOPS.biasResidualClamp(src, so, dst, d, len, bias, res, d, l, h);
            }
        }
    }

    /** x[off, off+len) += res[rOff, rOff+len) (a residual added after a direct convolution). */
    public static void addInPlace(float[] x, int off, int len, float[] res, int rOff) {
        LOOPS.addInPlace(x, off, len, res, rOff);
    }
}
