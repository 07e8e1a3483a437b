package dev.lowbit.ops;

/**
 * The float-to-integer steps of ONNX Runtime's MLAS x86 kernels, so that lowbit rounds and
 * saturates exactly where ONNX Runtime does.
 */
final class MlasConversions {
    private static final float TWO_POW_31 = 2147483648f;

    private MlasConversions() {
    }

    /**
     * CVTPS2DQ ({@code _mm_cvtps_epi32}) under the default MXCSR: round half to even. NaN and
     * values outside int32 give the "integer indefinite" 0x80000000, which the packs that follow
     * saturate to the type's minimum, even for large positive values.
     */
    static int cvtps2dq(float v) {
        if (!(v >= -TWO_POW_31 && v < TWO_POW_31)) {
            return Integer.MIN_VALUE;
        }
        return (int) Math.rint(v);
    }

    /**
     * PACKSSDW then PACKUSWB (unsigned) or PACKSSWB (signed): int32 saturated to int16, then to
     * the 8-bit type; the same as clamping straight to [qmin, qmax].
     */
    static int pack8(int v, boolean unsigned) {
        return unsigned ? Math.min(Math.max(v, 0), 255) : Math.min(Math.max(v, -128), 127);
    }

    /** An 8-bit element's integer value: zero-extended when {@code unsigned}, sign-extended otherwise. */
    static int value(byte b, boolean unsigned) {
        return unsigned ? b & 0xFF : b;
    }
}
