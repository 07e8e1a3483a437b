package dev.lowbit.tensor.kernels;

import dev.lowbit.tensor.Parallel;
import dev.lowbit.tensor.Shapes;

/**
 * Type-generic data movement over backing arrays ({@code float[]}, {@code long[]}, ...,
 * {@code String[]}). Data-moving ops (Slice, Transpose, Expand, Tile, Pad) reduce to one strided
 * copy: walk the output in row-major order and read the source at {@code offset + sum(idx*stride)}.
 */
public final class CopyKernels {
    private CopyKernels() {
    }

    /**
     * Fills {@code dst} (contiguous, shape {@code outShape}) from {@code src} read at
     * {@code srcOffset + sum(idx[i] * srcStrides[i])}. Strides may be 0 (broadcast) or negative.
     */
    public static void stridedCopy(Object src, int srcOffset, int[] srcStrides, Object dst, int[] outShape) {
        int n = Shapes.size(outShape);
        if (n == 0) {
            return;
        }
        int rank = outShape.length;
        if (rank == 0) {
            System.arraycopy(src, srcOffset, dst, 0, 1);
            return;
        }
        int inner = outShape[rank - 1];
        int innerStride = srcStrides[rank - 1];
        int rows = n / inner;
        int grain = Math.max(1, 16384 / Math.max(1, inner));
        Parallel.forRange(rows, grain, (r0, r1) -> {
            int[] idx = new int[rank - 1];
            // decompose r0 into the outer index
            int rem = r0;
            for (int d = rank - 2; d >= 0; d--) {
                idx[d] = rem % outShape[d];
                rem /= outShape[d];
            }
            int srcPos = srcOffset;
            for (int d = 0; d < rank - 1; d++) {
                srcPos += idx[d] * srcStrides[d];
            }
            for (int r = r0; r < r1; r++) {
                int dstPos = r * inner;
                if (innerStride == 1) {
                    System.arraycopy(src, srcPos, dst, dstPos, inner);
                } else {
                    stridedRun(src, srcPos, innerStride, dst, dstPos, inner);
                }
                // advance the odometer
                for (int d = rank - 2; d >= 0; d--) {
                    srcPos += srcStrides[d];
                    if (++idx[d] < outShape[d]) {
                        break;
                    }
                    srcPos -= srcStrides[d] * outShape[d];
                    idx[d] = 0;
                }
            }
        });
    }

    /** {@code dst[dstPos + i] = src[srcPos + i * stride]} for i in [0, n), typed per array class. */
    public static void stridedRun(Object src, int srcPos, int stride, Object dst, int dstPos, int n) {
        if (stride == 0) {
            fillFrom(src, srcPos, dst, dstPos, n);
            return;
        }
        switch (src) {
            case float[] s -> {
                float[] d = (float[]) dst;
                for (int i = 0; i < n; i++) {
                    d[dstPos + i] = s[srcPos + i * stride];
                }
            }
            case double[] s -> {
                double[] d = (double[]) dst;
                for (int i = 0; i < n; i++) {
                    d[dstPos + i] = s[srcPos + i * stride];
                }
            }
            case long[] s -> {
                long[] d = (long[]) dst;
                for (int i = 0; i < n; i++) {
                    d[dstPos + i] = s[srcPos + i * stride];
                }
            }
            case int[] s -> {
                int[] d = (int[]) dst;
                for (int i = 0; i < n; i++) {
                    d[dstPos + i] = s[srcPos + i * stride];
                }
            }
            case short[] s -> {
                short[] d = (short[]) dst;
                for (int i = 0; i < n; i++) {
                    d[dstPos + i] = s[srcPos + i * stride];
                }
            }
            case byte[] s -> {
                byte[] d = (byte[]) dst;
                for (int i = 0; i < n; i++) {
                    d[dstPos + i] = s[srcPos + i * stride];
                }
            }
            case boolean[] s -> {
                boolean[] d = (boolean[]) dst;
                for (int i = 0; i < n; i++) {
                    d[dstPos + i] = s[srcPos + i * stride];
                }
            }
            case Object[] s -> {
                Object[] d = (Object[]) dst;
                for (int i = 0; i < n; i++) {
                    d[dstPos + i] = s[srcPos + i * stride];
                }
            }
            default -> throw new IllegalArgumentException("not a tensor array: " + src.getClass());
        }
    }

    /** {@code dst[dstPos + idx[i]...]}: gathers {@code dst[dstPos + i] = src[srcBase + idx[i]]}. */
    public static void gatherRun(Object src, int srcBase, int[] idx, Object dst, int dstPos) {
        int n = idx.length;
        switch (src) {
            case float[] s -> {
                float[] d = (float[]) dst;
                for (int i = 0; i < n; i++) {
                    d[dstPos + i] = s[srcBase + idx[i]];
                }
            }
            case double[] s -> {
                double[] d = (double[]) dst;
                for (int i = 0; i < n; i++) {
                    d[dstPos + i] = s[srcBase + idx[i]];
                }
            }
            case long[] s -> {
                long[] d = (long[]) dst;
                for (int i = 0; i < n; i++) {
                    d[dstPos + i] = s[srcBase + idx[i]];
                }
            }
            case int[] s -> {
                int[] d = (int[]) dst;
                for (int i = 0; i < n; i++) {
                    d[dstPos + i] = s[srcBase + idx[i]];
                }
            }
            case short[] s -> {
                short[] d = (short[]) dst;
                for (int i = 0; i < n; i++) {
                    d[dstPos + i] = s[srcBase + idx[i]];
                }
            }
            case byte[] s -> {
                byte[] d = (byte[]) dst;
                for (int i = 0; i < n; i++) {
                    d[dstPos + i] = s[srcBase + idx[i]];
                }
            }
            default -> {
                for (int i = 0; i < n; i++) {
                    System.arraycopy(src, srcBase + idx[i], dst, dstPos + i, 1);
                }
            }
        }
    }

    /** Fills {@code dst[dstPos, dstPos+n)} with {@code src[srcPos]}. */
    public static void fillFrom(Object src, int srcPos, Object dst, int dstPos, int n) {
        switch (src) {
            case float[] s -> java.util.Arrays.fill((float[]) dst, dstPos, dstPos + n, s[srcPos]);
            case double[] s -> java.util.Arrays.fill((double[]) dst, dstPos, dstPos + n, s[srcPos]);
            case long[] s -> java.util.Arrays.fill((long[]) dst, dstPos, dstPos + n, s[srcPos]);
            case int[] s -> java.util.Arrays.fill((int[]) dst, dstPos, dstPos + n, s[srcPos]);
            case short[] s -> java.util.Arrays.fill((short[]) dst, dstPos, dstPos + n, s[srcPos]);
            case byte[] s -> java.util.Arrays.fill((byte[]) dst, dstPos, dstPos + n, s[srcPos]);
            case boolean[] s -> java.util.Arrays.fill((boolean[]) dst, dstPos, dstPos + n, s[srcPos]);
            case Object[] s -> java.util.Arrays.fill((Object[]) dst, dstPos, dstPos + n, s[srcPos]);
            default -> throw new IllegalArgumentException("not a tensor array: " + src.getClass());
        }
    }

    /** Copies one element. */
    public static void copyOne(Object src, int srcPos, Object dst, int dstPos) {
        System.arraycopy(src, srcPos, dst, dstPos, 1);
    }
}
