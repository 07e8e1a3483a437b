package dev.lowbit.tensor.kernels;

/** Strided copies and row blends in plain Java. */
final class ScalarResampleLoops implements ResampleLoops {
    @Override
    public void copyEvery2(float[] src, int s, float[] dst, int d, int n) {
        StridedRowCopy.reference(src, s, 2, dst, d, n);
    }

    @Override
    public void blend(float[] src, int base, int inner, int[] idx, float[] w, int b, int taps, float[] dst,
            int dstPos) {
        for (int i = 0; i < inner; i++) {
            float acc = 0;
            for (int t = 0; t < taps; t++) {
                acc += w[b + t] * src[base + idx[b + t] * inner + i];
            }
            dst[dstPos + i] = acc;
        }
    }
}
