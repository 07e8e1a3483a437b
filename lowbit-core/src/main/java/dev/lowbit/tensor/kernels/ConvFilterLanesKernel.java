package dev.lowbit.tensor.kernels;

/**
 * The micro-kernel of {@link ConvFilterLanes}: filters in the vector lanes, input values broadcast.
 * One tile is two blocks of {@link #lanes()} filters times {@link ConvFilterLanes#PIXELS} output
 * pixels of one row (consecutive floats of the phase planes for every tap), 14 accumulators; per reduction step k (an input channel and kernel tap) it
 * loads the two blocks' weight vectors once and broadcasts each pixel's input value, two fused
 * multiply-adds per broadcast. Loads are aligned weight vectors and single floats, never a vector
 * straddling cache lines at a tap's offset (what the per-position direct kernel pays), and the
 * sums go straight to NCHW output planes, lane l to plane l (a scatter).
 *
 * <p>The tile's contract, for pixel p < {@code pixels} and lane l of block b (0 or 1):
 * <pre>
 *   acc = bias[biasOff + b*L + l] + sum over k in order of w[wOff + (2k + b)*L + l] * x[xOff + taps[k] + p]
 *   acc += residual[yOff + (b*L + l)*plane + p]   (when residual is not null)
 *   acc = min(max(acc, lo), hi)                    (when clamp)
 *   y[yOff + (b*L + l)*plane + p] = acc            (only lanes l < live[b])
 * </pre>
 * The sum order is fixed (k ascending, starting from the bias), so the scalar and vector kernels
 * agree up to fused versus separate multiply-add rounding.
 */
public abstract class ConvFilterLanesKernel {
    /** Filters per block: the float vector's lanes. */
    public abstract int lanes();

    /**
     * One tile; see the class comment. {@code planesA} and {@code planesB} hold {@code l * plane}
     * for the live lanes l of each block (the scatter's index maps; a dead lane holds 0, a valid
     * index, as the Vector API checks every lane of a masked gather or scatter), {@code liveA} and
     * {@code liveB} the real filters of each block.
     */
    public abstract void tile(int depth, float[] w, int wOff, float[] x, int xOff, int[] taps, float[] bias,
            int biasOff, float[] residual, float[] y, int yOff, int plane, int[] planesA, int[] planesB, int pixels,
            int liveA, int liveB, boolean clamp, float lo, float hi);
}
