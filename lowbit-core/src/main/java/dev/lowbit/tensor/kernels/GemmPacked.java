package dev.lowbit.tensor.kernels;

/**
 * An operand of GEMM packed into micro-kernel panels.
 *
 * <p>Layout: K is split into blocks of {@code kc} (the last one may be shorter). Inside the block
 * starting at depth {@code p0} with depth {@code kb}, panel {@code s} (covering {@code width} rows of
 * A or columns of B) starts at {@code p0 * paddedExtent + s * width * kb} and stores element
 * (depth k, lane r) at {@code + k * width + r}. Lanes beyond {@code extent} are zero.
 *
 * @param data         the packed values
 * @param extent       M for a packed A, N for a packed B
 * @param depth        K
 * @param width        panel width (the kernel's mr for A, nr for B)
 * @param kc           K block size used while packing
 */
public record GemmPacked(float[] data, int extent, int depth, int width, int kc) {
    /** Number of panels (extent rounded up to whole panels). */
    public int panels() {
        return (extent + width - 1) / width;
    }

    /** Extent rounded up to a whole number of panels. */
    public int paddedExtent() {
        return panels() * width;
    }

    /** Floats needed to pack an operand of this geometry. */
    public static int size(int extent, int depth, int width) {
        return ((extent + width - 1) / width) * width * depth;
    }

    /** Start of panel {@code s} in the K block starting at {@code p0} with depth {@code kb}. */
    public int panelOffset(int p0, int kb, int s) {
        return p0 * paddedExtent() + s * width * kb;
    }
}
