package dev.lowbit.tensor.kernels;

import java.util.Arrays;

/**
 * A 1x1 convolution of one image straight from and to NCHW: {@code Y[f, j] = epilogue(sum_c W[f, c]
 * * X[c, j])} with the weights packed as GEMM A panels and the input read where it lies, its channel
 * planes being the rows of B ({@code positions} apart). The bias, a fused residual and a clamp are
 * applied to the accumulators in registers and each output row is stored once, into its plane.
 *
 * <p>Why not the GEMM: for MobileNet's expand and project layers (K of 16 to 160 channels, maps of
 * 7x7 to 28x28) the packed GEMM spent as long moving data as multiplying: packing the input's
 * columns, zeroing and re-reading the C tile, and a separate pass adding bias and clamping into the
 * planes. Here the input's plane rows are loaded directly (they stay in L1 while the weight panels
 * pass over them), and a map's last partial vector is computed whole and stored in part, which
 * costs fewer lanes than packing saves on small maps.
 *
 * <p>Every output element is {@code fma}-accumulated over c = 0, 1, ... K-1 from zero (whatever the
 * packing's K blocks), then bias is added, then the residual, then the clamp {@code min(max(v, lo),
 * hi)}: implementations give the same bits as {@link #imageScalar}.
 */
public abstract class ConvPointwiseKernel {
    private static final QuantizeLoops REQUANTIZE = new ScalarQuantizeLoops();

    /**
     * Rows (output channels) of A panels {@code [panel0, panel1)} over all {@code positions} of one
     * image: X is {@code x[xOff + c * positions + j]}, Y and the residual (may be null) are
     * {@code y[yOff + f * positions + j]}; {@code bias} may be null; no clamp unless {@code clamp}.
     */
    public abstract void image(GemmPacked a, int panel0, int panel1, float[] x, int xOff, int positions, float[] y,
            int yOff, float[] bias, float[] res, boolean clamp, float lo, float hi);

    /**
     * The plain-Java {@link #image}, the reference implementations are tested against. Each output
     * row is accumulated in place over the input rows (one fma per element and channel, channels in
     * order: the same sums as one accumulator per element), a loop the JIT can vectorise by itself.
     */
    public static void imageScalar(GemmPacked a, int panel0, int panel1, float[] x, int xOff, int positions,
            float[] y, int yOff, float[] bias, float[] res, boolean clamp, float lo, float hi) {
        float l = clamp ? lo : Float.NEGATIVE_INFINITY;
        float h = clamp ? hi : Float.POSITIVE_INFINITY;
        float[] ad = a.data();
        int width = a.width();
        int depth = a.depth();
        int kc = a.kc();
        for (int s = panel0; s < panel1; s++) {
            int rows = Math.min(width, a.extent() - s * width);
            for (int r = 0; r < rows; r++) {
                int f = s * width + r;
                int row = yOff + f * positions;
                Arrays.fill(y, row, row + positions, 0f);
                for (int p0 = 0; p0 < depth; p0 += kc) {
                    int kb = Math.min(kc, depth - p0);
                    int ak = a.panelOffset(p0, kb, s) + r;
                    for (int q = 0; q < kb; q++) {
                        float w = ad[ak + q * width];
                        int xk = xOff + (p0 + q) * positions;
                        for (int j = 0; j < positions; j++) {
                            y[row + j] = Math.fma(w, x[xk + j], y[row + j]);
                        }
                    }
                }
                float b = bias == null ? 0f : bias[f];
                for (int j = 0; j < positions; j++) {
                    float v = y[row + j] + b;
                    if (res != null) {
                        v += res[row + j];
                    }
                    y[row + j] = Math.min(Math.max(v, l), h);
                }
            }
        }
    }

    /**
     * One image of a 1x1 convolution on channel-blocked tensors ([blocks][positions][lanes], channel
     * c in block c / lanes, lane c % lanes), output blocks {@code [fb0, fb1)} at positions
     * {@code [q0, q1)}: {@code y[fb][q][l] =
     * min(max(acc + bias[fb * lanes + l] + res[fb][q][l], lo), hi)}, acc being {@code sum_c
     * wT[(fb * channels + c) * lanes + l] * x[c / lanes][q][c % lanes]} fma-accumulated over
     * c = 0 .. channels - 1 in order from zero (the same values, bit for bit, as {@link #image} gives).
     * {@code res} (may be null) is laid out as y; lanes past the last channel of x are never read.
     *
     * <p>With {@code scale} (one multiplier per output channel, may be null; then {@code res} must
     * be null) the output is requantized instead: {@code y = rint(min(max((acc + bias) * scale, lo),
     * hi)) + 0f} ({@link QuantizeLoops#requantizeShifted}), which for exact integer accumulators is
     * ONNX Runtime's requantization of a QLinearConv minus the output zero point. Operands are then
     * integers whose partial sums stay exact, so implementations may add the bias first.
     */
    public abstract void blocked(float[] wT, int channels, int lanes, float[] bias, float[] x, int xOff, int positions,
            int q0, int q1, int fb0, int fb1, float[] y, int yOff, float[] res, float[] scale, float lo, float hi);

    /** The plain-Java {@link #blocked}. */
    public static void blockedScalar(float[] wT, int channels, int lanes, float[] bias, float[] x, int xOff,
            int positions, int q0, int q1, int fb0, int fb1, float[] y, int yOff, float[] res, float[] scale, float lo,
            float hi) {
        if (res != null && scale != null) {
            throw new IllegalArgumentException("a requantized 1x1 convolution takes no residual");
        }
        int block = positions * lanes;
        for (int fb = fb0; fb < fb1; fb++) {
            for (int q = q0; q < q1; q++) {
                int d = yOff + fb * block + q * lanes;
                Arrays.fill(y, d, d + lanes, 0f);
                for (int c = 0; c < channels; c++) {
                    float v = x[xOff + (c / lanes) * block + q * lanes + c % lanes];
                    int w = (fb * channels + c) * lanes;
                    for (int l = 0; l < lanes; l++) {
                        y[d + l] = Math.fma(wT[w + l], v, y[d + l]);
                    }
                }
                if (scale != null) {
                    for (int l = 0; l < lanes; l++) {
                        y[d + l] += bias[fb * lanes + l];
                    }
                    REQUANTIZE.requantizeShifted(y, d, lanes, scale, fb * lanes, lanes, lo, hi);
                    continue;
                }
                for (int l = 0; l < lanes; l++) {
                    float v = y[d + l] + bias[fb * lanes + l];
                    if (res != null) {
                        v += res[d + l];
                    }
                    y[d + l] = Math.min(Math.max(v, lo), hi);
                }
            }
        }
    }
}
