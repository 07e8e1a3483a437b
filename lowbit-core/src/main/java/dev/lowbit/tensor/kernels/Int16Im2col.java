package dev.lowbit.tensor.kernels;

/**
 * The 2-D im2col of {@link Int16Conv} written straight into {@link Int16Gemm}'s B panels: each
 * unrolled row ({@code x - shift}, padding taps {@code pad}) is built once as shorts and copied into
 * the panels in runs of {@link Int16Gemm#nr()} lanes. The general path builds an int im2col first
 * and repacks it element by element, which cost more than the int16 multiply itself on large maps.
 * The panels hold exactly what {@link Int16Gemm#packRows} would make of that int im2col.
 */
final class Int16Im2col {
    private Int16Im2col() {
    }

    /** Whether {@link #pack} handles this geometry (two spatial axes). */
    static boolean handles(IntConv.Geometry g) {
        return g.in().length == 2;
    }

    /**
     * Packs the unrolled {@code channels} planes of x at {@code xOff}, reusing {@code dst} when large
     * enough; {@code row} is scratch of at least {@code paddedExtent} shorts whose tail past the
     * output size stays zero.
     */
    static Int16Gemm.Packed pack(byte[] x, int xOff, boolean xUnsigned, int shift, int pad, int channels,
            IntConv.Geometry g, short[] dst, short[] row) {
        int width = Int16Gemm.nr();
        int outSize = g.outSize();
        int taps = g.kernel()[0] * g.kernel()[1];
        int depth = channels * taps;
        int need = Int16Gemm.Packed.size(outSize, depth, width);
        short[] out = dst != null && dst.length >= need ? dst : new short[need];
        int pe = (outSize + width - 1) / width * width;
        int max = 0;
        for (int r = 0; r < depth; r++) {
            int c = r / taps;
            int tap = r % taps;
            max = Math.max(max, unrollRow(x, xOff + c * g.inSize(), xUnsigned, shift, pad, g, tap / g.kernel()[1],
                    tap % g.kernel()[1], row));
            int p0 = r / Int16Gemm.KC * Int16Gemm.KC;
            int kb = Math.min(Int16Gemm.KC, depth - p0);
            int to = p0 * pe + (r - p0) * width;
            for (int s = 0; s < pe; s += width, to += width * kb) {
                System.arraycopy(row, s, out, to, width);
            }
        }
        return new Int16Gemm.Packed(out, outSize, depth, width, max);
    }

    /** One row of the unrolled input (tap kh, kw of one channel plane) into {@code row}; returns its max |value|. */
    private static int unrollRow(byte[] x, int plane, boolean xUnsigned, int shift, int pad, IntConv.Geometry g, int kh,
            int kw, short[] row) {
        int ih = g.in()[0];
        int iw = g.in()[1];
        int oh = g.out()[0];
        int ow = g.out()[1];
        int sw = g.strides()[1];
        int dh = kh * g.dilations()[0] - g.padsBegin()[0];
        int dw = kw * g.dilations()[1] - g.padsBegin()[1];
        // Output columns whose input column 0 <= ox * sw + dw < iw: [from, to).
        int from = Math.min(ow, dw >= 0 ? 0 : (-dw + sw - 1) / sw);
        int to = Math.max(from, Math.min(ow, iw - dw <= 0 ? 0 : (iw - dw + sw - 1) / sw));
        int mask = xUnsigned ? 0xFF : -1;
        short p = (short) pad;
        int max = 0;
        boolean padded = false;
        for (int oy = 0; oy < oh; oy++) {
            int y = oy * g.strides()[0] + dh;
            int o = oy * ow;
            if (y < 0 || y >= ih) {
                fill(row, o, o + ow, p);
                padded |= ow > 0;
                continue;
            }
            fill(row, o, o + from, p);
            fill(row, o + to, o + ow, p);
            padded |= from > 0 || to < ow;
            int src = plane + y * iw + from * sw + dw;
            for (int ox = from; ox < to; ox++, src += sw) {
                int v = (x[src] & mask) - shift;
                max = Math.max(max, Math.abs(v));
                row[o + ox] = (short) v;
            }
        }
        return padded ? Math.max(max, Math.abs(pad)) : max;
    }

    private static void fill(short[] row, int from, int to, short v) {
        for (int i = from; i < to; i++) {
            row[i] = v;
        }
    }
}
