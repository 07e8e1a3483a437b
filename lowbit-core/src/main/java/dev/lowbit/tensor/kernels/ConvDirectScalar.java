package dev.lowbit.tensor.kernels;

/** Plain-Java direct convolution tiles: the reference the Vector API tiles are tested against. */
final class ConvDirectScalar extends ConvDirectKernel {
    /** Positions per tile: a Vector API tile's width at 512 bits, so both compute the same positions. */
    static final int TILE = 32;

    @Override
    public int tile() {
        return TILE;
    }

    @Override
    protected void tile(int depth, float[] a, int aOff, float[] src, int base, int[] offsets, float[] c, int cOff,
            int ldc) {
        tile(TILE, depth, a, aOff, src, base, offsets, c, cOff, ldc);
    }

    @Override
    protected void halfTile(int depth, float[] a, int aOff, float[] src, int base, int[] offsets, float[] c, int cOff,
            int ldc) {
        tile(TILE / 2, depth, a, aOff, src, base, offsets, c, cOff, ldc);
    }

    @Override
    protected void quarterTile(int depth, float[] a, int aOff, float[] src, int base, int[] offsets, float[] c,
            int cOff, int ldc) {
        tile(TILE / 4, depth, a, aOff, src, base, offsets, c, cOff, ldc);
    }

    /**
     * 4 filters x 4 positions in 16 local accumulators (with the 4 weights and 4 inputs of a tap, 24
     * registers): each loaded float feeds four multiply-adds. One dot product per output, the
     * obvious loop, ran a ResNet's convolutions ~8x slower. Each output still sums its taps in k
     * order from zero. {@code width} is a multiple of 4, as is {@link #MR}.
     */
    private static void tile(int width, int depth, float[] a, int aOff, float[] src, int base, int[] offsets,
            float[] c, int cOff, int ldc) {
        for (int r = 0; r < MR; r += 4) {
            for (int j = 0; j < width; j += 4) {
                float c00 = 0, c01 = 0, c02 = 0, c03 = 0, c10 = 0, c11 = 0, c12 = 0, c13 = 0;
                float c20 = 0, c21 = 0, c22 = 0, c23 = 0, c30 = 0, c31 = 0, c32 = 0, c33 = 0;
                int ak = aOff + r;
                for (int k = 0; k < depth; k++, ak += MR) {
                    int s = base + offsets[k] + j;
                    float x0 = src[s], x1 = src[s + 1], x2 = src[s + 2], x3 = src[s + 3];
                    float w0 = a[ak], w1 = a[ak + 1], w2 = a[ak + 2], w3 = a[ak + 3];
                    c00 += w0 * x0; c01 += w0 * x1; c02 += w0 * x2; c03 += w0 * x3;
                    c10 += w1 * x0; c11 += w1 * x1; c12 += w1 * x2; c13 += w1 * x3;
                    c20 += w2 * x0; c21 += w2 * x1; c22 += w2 * x2; c23 += w2 * x3;
                    c30 += w3 * x0; c31 += w3 * x1; c32 += w3 * x2; c33 += w3 * x3;
                }
                int o = cOff + r * ldc + j;
                store4(c, o, c00, c01, c02, c03);
                store4(c, o + ldc, c10, c11, c12, c13);
                store4(c, o + 2 * ldc, c20, c21, c22, c23);
                store4(c, o + 3 * ldc, c30, c31, c32, c33);
            }
        }
    }

    private static void store4(float[] c, int o, float v0, float v1, float v2, float v3) {
        c[o] = v0;
        c[o + 1] = v1;
        c[o + 2] = v2;
        c[o + 3] = v3;
    }
}
