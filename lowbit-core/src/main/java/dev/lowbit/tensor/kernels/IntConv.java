package dev.lowbit.tensor.kernels;

import dev.lowbit.tensor.Parallel;
import java.util.Arrays;

/**
 * Integer N-d convolution for quantized ops: im2col of the 8-bit input (zero point subtracted,
 * padding contributing zero) followed by {@link IntGemm} against the 8-bit weights, giving the
 * exact int32 accumulators {@code sum (x - xz) * (w - wz[m])} for every output element.
 */
public final class IntConv {
    private IntConv() {
    }

    /**
     * Spatial geometry of one convolution: input, kernel and output extents per spatial axis,
     * strides, dilations and the padding at the start of each axis.
     */
    public record Geometry(int[] in, int[] kernel, int[] out, int[] strides, int[] dilations, int[] padsBegin) {
        /**
         * Resolves ONNX Conv attributes ({@code autoPad} one of NOTSET, VALID, SAME_UPPER,
         * SAME_LOWER; {@code pads} as [begin..., end...], may be null).
         */
        public static Geometry of(int[] in, int[] kernel, int[] strides, int[] dilations, int[] pads, String autoPad) {
            int d = in.length;
            int[] out = new int[d];
            int[] begin = new int[d];
            for (int i = 0; i < d; i++) {
                int span = (kernel[i] - 1) * dilations[i] + 1;
                switch (autoPad) {
                    case "NOTSET" -> {
                        int pb = pads == null ? 0 : pads[i];
                        int pe = pads == null ? 0 : pads[i + d];
                        begin[i] = pb;
                        out[i] = Math.floorDiv(in[i] + pb + pe - span, strides[i]) + 1;
                    }
                    case "VALID" -> out[i] = Math.floorDiv(in[i] - span, strides[i]) + 1;
                    case "SAME_UPPER", "SAME_LOWER" -> {
                        out[i] = (in[i] + strides[i] - 1) / strides[i];
                        int total = Math.max(0, (out[i] - 1) * strides[i] + span - in[i]);
                        begin[i] = autoPad.equals("SAME_UPPER") ? total / 2 : total - total / 2;
                    }
                    default -> throw new IllegalArgumentException("unknown auto_pad '" + autoPad + "'");
                }
                if (out[i] <= 0) {
                    throw new IllegalArgumentException("convolution output would be empty: input " + Arrays.toString(in)
                            + ", kernel " + Arrays.toString(kernel));
                }
            }
            return new Geometry(in, kernel, out, strides, dilations, begin);
        }

        public int inSize() {
            return prod(in);
        }

        public int kernelSize() {
            return prod(kernel);
        }

        public int outSize() {
            return prod(out);
        }

        private static int prod(int[] v) {
            int n = 1;
            for (int x : v) {
                n *= x;
            }
            return n;
        }
    }

    /**
     * Fills {@code cols} (rows = channels x kernel offsets, columns = output positions) from
     * {@code channels} channels of the input starting at {@code x[xOff]}, with {@code xZero}
     * subtracted; out-of-bounds (padding) positions are 0, which is what padding with the zero
     * point contributes.
     */
    public static void im2col(byte[] x, int xOff, boolean xUnsigned, int xZero, int channels, Geometry g, int[] cols) {
        im2col(x, xOff, xUnsigned, xZero, 0, channels, g, cols);
    }

    /**
     * {@link #im2col(byte[], int, boolean, int, int, Geometry, int[])} subtracting {@code shift}
     * from the input and writing {@code pad} at padding positions: a caller that shifts by some
     * {@code c} other than the zero point passes {@code pad = xz - c}, the shifted zero point.
     */
    public static void im2col(byte[] x, int xOff, boolean xUnsigned, int shift, int pad, int channels, Geometry g,
            int[] cols) {
        if (g.in.length == 2) {
            im2col2d(x, xOff, xUnsigned, shift, pad, channels, g, cols);
            return;
        }
        int d = g.in.length;
        int inSize = g.inSize();
        int kSize = g.kernelSize();
        int outSize = g.outSize();
        int[] kIdx = new int[d];
        int[] oIdx = new int[d];
        int row = 0;
        for (int c = 0; c < channels; c++) {
            int chanOff = xOff + c * inSize;
            Arrays.fill(kIdx, 0);
            for (int kk = 0; kk < kSize; kk++, row++) {
                Arrays.fill(oIdx, 0);
                int base = row * outSize;
                for (int o = 0; o < outSize; o++) {
                    int pos = 0;
                    boolean inside = true;
                    for (int a = 0; a < d; a++) {
                        int coord = oIdx[a] * g.strides[a] - g.padsBegin[a] + kIdx[a] * g.dilations[a];
                        if (coord < 0 || coord >= g.in[a]) {
                            inside = false;
                            break;
                        }
                        pos = pos * g.in[a] + coord;
                    }
                    cols[base + o] = inside ? IntGemm.widen(x[chanOff + pos], xUnsigned) - shift : pad;
                    increment(oIdx, g.out);
                }
                increment(kIdx, g.kernel);
            }
        }
    }

    /** The 2-d case without per-element index arithmetic: each output row's valid column span is computed once. */
    private static void im2col2d(byte[] x, int xOff, boolean xUnsigned, int xZero, int pad, int channels, Geometry g,
            int[] cols) {
        int ih = g.in[0];
        int iw = g.in[1];
        int oh = g.out[0];
        int ow = g.out[1];
        int sh = g.strides[0];
        int sw = g.strides[1];
        int ph = g.padsBegin[0];
        int pw = g.padsBegin[1];
        int outSize = oh * ow;
        int row = 0;
        for (int c = 0; c < channels; c++) {
            int chanOff = xOff + c * ih * iw;
            for (int kh = 0; kh < g.kernel[0]; kh++) {
                int dh = kh * g.dilations[0] - ph;
                for (int kw = 0; kw < g.kernel[1]; kw++, row++) {
                    int dw = kw * g.dilations[1] - pw;
                    // Output columns whose input column 0 <= ox*sw + dw < iw: [owFrom, owTo).
                    int owFrom = Math.min(ow, dw >= 0 ? 0 : (-dw + sw - 1) / sw);
                    int owTo = Math.max(owFrom, Math.min(ow, iw - dw <= 0 ? 0 : (iw - dw + sw - 1) / sw));
                    int base = row * outSize;
                    for (int oy = 0; oy < oh; oy++) {
                        int y = oy * sh + dh;
                        int o = base + oy * ow;
                        if (y < 0 || y >= ih) {
                            Arrays.fill(cols, o, o + ow, pad);
                            continue;
                        }
                        Arrays.fill(cols, o, o + owFrom, pad);
                        int src = chanOff + y * iw + owFrom * sw + dw;
                        if (xUnsigned) {
                            for (int ox = owFrom; ox < owTo; ox++, src += sw) {
                                cols[o + ox] = (x[src] & 0xFF) - xZero;
                            }
                        } else {
                            for (int ox = owFrom; ox < owTo; ox++, src += sw) {
                                cols[o + ox] = x[src] - xZero;
                            }
                        }
                        Arrays.fill(cols, o + owTo, o + ow, pad);
                    }
                }
            }
        }
    }

    private static void increment(int[] idx, int[] extent) {
        for (int a = idx.length - 1; a >= 0; a--) {
            if (++idx[a] < extent[a]) {
                return;
            }
            idx[a] = 0;
        }
    }

    /**
     * The int32 accumulators of a grouped convolution: {@code x} is [batch, C, in...] and
     * {@code w} is [M, C / groups, kernel...]; {@code wZero} has length 1 or M. Returns
     * [batch, M, out...] flattened.
     */
    public static int[] convolve(byte[] x, boolean xUnsigned, int xZero, int batch, int channels,
                                 byte[] w, boolean wUnsigned, int[] wZero, int outChannels, int groups, Geometry g) {
        int cg = channels / groups;
        int mg = outChannels / groups;
        int kRows = cg * g.kernelSize();
        int outSize = g.outSize();
        int inSize = g.inSize();
        int[] acc = new int[batch * outChannels * outSize];
        Parallel.forRange(batch * groups, 1, (start, end) -> {
            int[] cols = new int[kRows * outSize];
            for (int t = start; t < end; t++) {
                int n = t / groups;
                int grp = t % groups;
                im2col(x, (n * channels + grp * cg) * inSize, xUnsigned, xZero, cg, g, cols);
                int[] zp = wZero.length == 1 ? wZero : Arrays.copyOfRange(wZero, grp * mg, grp * mg + mg);
                IntGemm.multiply(w, grp * mg * kRows, wUnsigned, zp, mg, kRows, cols, outSize,
                        acc, (n * outChannels + grp * mg) * outSize);
            }
        });
        return acc;
    }

    /** Scalar reference of {@link #convolve} straight from the definition, for tests. */
    public static int[] convolveReference(byte[] x, boolean xUnsigned, int xZero, int batch, int channels,
                                          byte[] w, boolean wUnsigned, int[] wZero, int outChannels, int groups,
                                          Geometry g) {
        int d = g.in.length;
        int cg = channels / groups;
        int mg = outChannels / groups;
        int inSize = g.inSize();
        int kSize = g.kernelSize();
        int outSize = g.outSize();
        int[] acc = new int[batch * outChannels * outSize];
        int[] oIdx = new int[d];
        int[] kIdx = new int[d];
        for (int n = 0; n < batch; n++) {
            for (int m = 0; m < outChannels; m++) {
                int grp = m / mg;
                int wz = wZero.length == 1 ? wZero[0] : wZero[m];
                Arrays.fill(oIdx, 0);
                for (int o = 0; o < outSize; o++) {
                    int sum = 0;
                    for (int c = 0; c < cg; c++) {
                        Arrays.fill(kIdx, 0);
                        for (int kk = 0; kk < kSize; kk++) {
                            int pos = 0;
                            boolean inside = true;
                            for (int a = 0; a < d; a++) {
                                int coord = oIdx[a] * g.strides[a] - g.padsBegin[a] + kIdx[a] * g.dilations[a];
                                inside &= coord >= 0 && coord < g.in[a];
                                pos = pos * g.in[a] + coord;
                            }
                            int xv = inside ? IntGemm.widen(x[(n * channels + grp * cg + c) * inSize + pos], xUnsigned) : xZero;
                            int wv = IntGemm.widen(w[(m * cg + c) * kSize + kk], wUnsigned);
                            sum += (xv - xZero) * (wv - wz);
                            increment(kIdx, g.kernel);
                        }
                    }
                    acc[(n * outChannels + m) * outSize + o] = sum;
                    increment(oIdx, g.out);
                }
            }
        }
        return acc;
    }
}
