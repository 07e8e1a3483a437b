package dev.lowbit.tensor.kernels;

/**
 * dst[d + j] = src[s + j * stride] for j < n: one row of a direct convolution's phase plane. Stride 2
 * (every ResNet's downsampling convs) goes to the provider's {@link ResampleLoops#copyEvery2}, which
 * the Vector API version compresses a vector at a time.
 */
public final class StridedRowCopy {
    private static final ResampleLoops LOOPS = VectorizationProvider.get().resample();

    private StridedRowCopy() {
    }

    public static void copy(float[] src, int s, int stride, float[] dst, int d, int n) {
        if (stride == 1) {
            System.arraycopy(src, s, dst, d, n);
        } else if (stride == 2) {
            LOOPS.copyEvery2(src, s, dst, d, n);
        } else {
            reference(src, s, stride, dst, d, n);
        }
    }

    /** The scalar definition. */
    public static void reference(float[] src, int s, int stride, float[] dst, int d, int n) {
        for (int j = 0; j < n; j++) {
            dst[d + j] = src[s + j * stride];
        }
    }
}
