package dev.lowbit.tensor.kernels;

/**
 * Direct depthwise 2-D convolution of one channel plane (MobileNet's core op; im2col + GEMM would
 * waste its time on a K of kh*kw). The plane is first copied into a zero-bordered scratch buffer so
 * the tap loops need no bounds checks; implementations supply the loop over one output row.
 */
public abstract class ConvDepthwiseKernel {
    /** Geometry of one 2-D depthwise convolution (pads are the top/left ones; the bottom/right follow). */
    public record Geometry(int inH, int inW, int kH, int kW, int strideH, int strideW, int dilH, int dilW,
            int padTop, int padLeft, int outH, int outW) {
        /** Rows of the zero-bordered input the output needs. */
        int paddedH() {
            return (outH - 1) * strideH + (kH - 1) * dilH + 1;
        }

        int paddedW() {
            return (outW - 1) * strideW + (kW - 1) * dilW + 1;
        }

        /** Scratch floats {@link #plane} needs. */
        public int scratchSize() {
            return paddedH() * paddedW();
        }
    }

    /**
     * y[oh, ow] = bias + sum over taps of w[kh, kw] * x[oh*sh - padTop + kh*dh, ow*sw - padLeft + kw*dw],
     * zero outside the input.
     */
    public final void plane(Geometry g, float[] x, int xOff, float[] w, int wOff, float bias, float[] y, int yOff,
            float[] scratch) {
        int hp = g.paddedH();
        int wp = g.paddedW();
        java.util.Arrays.fill(scratch, 0, hp * wp, 0f);
        int rows = Math.min(g.inH(), hp - g.padTop());
        int cols = Math.min(g.inW(), wp - g.padLeft());
        for (int r = 0; r < rows; r++) {
            if (cols > 0) {
                System.arraycopy(x, xOff + r * g.inW(), scratch, (r + g.padTop()) * wp + g.padLeft(), cols);
            }
        }
        for (int oh = 0; oh < g.outH(); oh++) {
            row(g, scratch, oh * g.strideH() * wp, wp, w, wOff, bias, y, yOff + oh * g.outW());
        }
    }

    /** One output row; {@code src} is the scratch offset of its top-left tap, {@code wp} the scratch row stride. */
    abstract void row(Geometry g, float[] scratch, int src, int wp, float[] w, int wOff, float bias, float[] y,
            int yOff);

    /** Scalar loop for output columns [ow0, outW). */
    static void rowScalar(Geometry g, float[] s, int src, int wp, float[] w, int wOff, float bias, float[] y,
            int yOff, int ow0) {
        for (int ow = ow0; ow < g.outW(); ow++) {
            float acc = bias;
            int base = src + ow * g.strideW();
            for (int kh = 0; kh < g.kH(); kh++) {
                int rowBase = base + kh * g.dilH() * wp;
                int wRow = wOff + kh * g.kW();
                for (int kw = 0; kw < g.kW(); kw++) {
                    acc += w[wRow + kw] * s[rowBase + kw * g.dilW()];
                }
            }
            y[yOff + ow] = acc;
        }
    }
}
