package dev.lowbit.ops;

/**
 * Per-thread scratch arrays for convolution (im2col columns, packed GEMM panels, padded planes), so
 * batch-parallel convolutions do not allocate multi-megabyte arrays on every image.
 */
final class ConvScratch {
    private static final ThreadLocal<ConvScratch> LOCAL = ThreadLocal.withInitial(ConvScratch::new);

    private float[] columns = new float[0];
    private float[] packed = new float[0];
    private float[] plane = new float[0];
    private float[] phasePlanes = new float[0];
    private float[] tile = new float[0];

    static ConvScratch get() {
        return LOCAL.get();
    }

    float[] columns(int n) {
        if (columns.length < n) {
            columns = new float[n];
        }
        return columns;
    }

    float[] packed(int n) {
        if (packed.length < n) {
            packed = new float[n];
        }
        return packed;
    }

    /** The phase planes of one image for the direct convolution. */
    float[] phasePlanes(int n) {
        if (phasePlanes.length < n) {
            phasePlanes = new float[n];
        }
        return phasePlanes;
    }

    /** Accumulator rows of the direct convolution. */
    float[] tile(int n) {
        if (tile.length < n) {
            tile = new float[n];
        }
        return tile;
    }

    float[] plane(int n) {
        if (plane.length < n) {
            plane = new float[n];
        }
        return plane;
    }
}
