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

    private static void tile(int width, int depth, float[] a, int aOff, float[] src, int base, int[] offsets,
            float[] c, int cOff, int ldc) {
        for (int r = 0; r < MR; r++) {
            for (int j = 0; j < width; j++) {
                float acc = 0f;
                for (int k = 0; k < depth; k++) {
                    acc += a[aOff + k * MR + r] * src[base + offsets[k] + j];
                }
                c[cOff + r * ldc + j] = acc;
            }
        }
    }
}
