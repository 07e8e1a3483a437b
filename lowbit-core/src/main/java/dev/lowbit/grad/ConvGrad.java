package dev.lowbit.grad;

import dev.lowbit.UnsupportedOpException;
import dev.lowbit.onnx.Node;
import dev.lowbit.tensor.Parallel;
import dev.lowbit.tensor.Tensor;
import dev.lowbit.tensor.kernels.ConvGeometry;
import dev.lowbit.tensor.kernels.Gemm;
import dev.lowbit.tensor.kernels.Im2col;
import java.util.Arrays;

/**
 * Conv backward (1-D to 3-D, groups, strides, pads, dilations, auto_pad). Per image and group, with
 * col = im2col(X): dW_g += dY_g · colᵀ and dX = col2im(W_gᵀ · dY_g), both on the fast GEMM kernel.
 * Depthwise 2-D convolutions (one input channel per group) use direct loops, parallel over groups,
 * instead of thousands of tiny GEMMs.
 */
final class ConvGrad implements GradRegistry.Family, GradOp {
    @Override
    public void register(GradRegistry r) {
        r.register("Conv", this);
    }

    @Override
    public Tensor[] backward(Saved s, Tensor[] dOut, boolean[] need) {
        Tensor x = s.input(0), w = s.input(1);
        float[] xs = x.floats(), ws = w.floats(), dy = dOut[0].floats();
        int group = (int) s.node().getInt("group", 1);
        ConvGeometry geo = geometry(s.node(), x.shapeRef(), w.shapeRef());
        int batch = x.dim(0), channels = x.dim(1), filters = w.dim(0);
        int cg = channels / group, mg = filters / group;
        int inSize = geo.inSize(), outSize = geo.outSize(), taps = geo.kernelSize(), k = cg * taps;
        float[] dx = need[0] ? new float[xs.length] : null;
        float[] dw = need.length > 1 && need[1] ? new float[ws.length] : null;
        if (cg == 1 && geo.rank() == 2) {
            depthwise(geo, xs, ws, dy, dx, dw, batch, channels, filters, group, mg);
        } else if (dx != null || dw != null) {
            boolean pointwise = geo.isPointwise();
            float[] col = pointwise ? null : new float[k * outSize];
            float[] dcol = dx != null && !pointwise ? new float[k * outSize] : null;
            for (int n = 0; n < batch; n++) {
                for (int g = 0; g < group; g++) {
                    int xOff = (n * channels + g * cg) * inSize;
                    int yOff = (n * filters + g * mg) * outSize;
                    if (dw != null) { // a pointwise conv's im2col is the input itself
                        float[] c = pointwise ? xs : col;
                        if (!pointwise) {
                            Im2col.im2col(geo, xs, xOff, cg, col);
                        }
                        Gemm.gemm(false, true, mg, k, outSize, 1f, dy, yOff, outSize, c, pointwise ? xOff : 0, outSize,
                                1f, dw, g * mg * k, k);
                    }
                    if (dx != null && pointwise) {
                        Gemm.gemm(true, false, k, outSize, mg, 1f, ws, g * mg * k, k, dy, yOff, outSize, 1f, dx, xOff,
                                outSize);
                    } else if (dx != null) {
                        Gemm.gemm(true, false, k, outSize, mg, 1f, ws, g * mg * k, k, dy, yOff, outSize, 0f, dcol, 0,
                                outSize);
                        Im2col.col2im(geo, dcol, cg, dx, xOff);
                    }
                }
            }
        }
        Tensor[] r = new Tensor[need.length];
        if (dx != null) {
            r[0] = Tensor.of(dx, x.shape());
        }
        if (dw != null) {
            r[1] = Tensor.of(dw, w.shape());
        }
        if (need.length > 2 && need[2]) {
            float[] db = new float[filters];
            for (int n = 0; n < batch; n++) {
                for (int f = 0; f < filters; f++) {
                    double acc = 0;
                    int off = (n * filters + f) * outSize;
                    for (int p = 0; p < outSize; p++) {
                        acc += dy[off + p];
                    }
                    db[f] += (float) acc;
                }
            }
            r[2] = Tensor.of(db, filters);
        }
        return r;
    }

    /** Direct 2-D depthwise backward; each group owns its input channel and filters, so groups run in parallel. */
    private static void depthwise(ConvGeometry geo, float[] xs, float[] ws, float[] dy, float[] dx, float[] dw,
            int batch, int channels, int filters, int group, int mg) {
        int h = geo.in()[0], wd = geo.in()[1], kh = geo.kernel()[0], kw = geo.kernel()[1];
        int oh = geo.out()[0], ow = geo.out()[1], sh = geo.strides()[0], sw = geo.strides()[1];
        int dh = geo.dilations()[0], dwl = geo.dilations()[1], ph = geo.padBegin()[0], pw = geo.padBegin()[1];
        int taps = kh * kw;
        Parallel.forRange(group, 1, (g0, g1) -> {
            for (int g = g0; g < g1; g++) {
                for (int m = 0; m < mg; m++) {
                    int f = g * mg + m;
                    for (int n = 0; n < batch; n++) {
                        int xOff = (n * channels + g) * h * wd;
                        int yOff = (n * filters + f) * oh * ow;
                        for (int a = 0; a < kh; a++) {
                            for (int b = 0; b < kw; b++) {
                                float wv = ws[f * taps + a * kw + b];
                                double acc = 0;
                                for (int y = 0; y < oh; y++) {
                                    int iy = y * sh - ph + a * dh;
                                    if (iy < 0 || iy >= h) {
                                        continue;
                                    }
                                    int xRow = xOff + iy * wd, yRow = yOff + y * ow;
                                    for (int x = 0; x < ow; x++) {
                                        int ix = x * sw - pw + b * dwl;
                                        if (ix >= 0 && ix < wd) {
                                            float g1v = dy[yRow + x];
                                            acc += g1v * xs[xRow + ix];
                                            if (dx != null) {
                                                dx[xRow + ix] += g1v * wv;
                                            }
                                        }
                                    }
                                }
                                if (dw != null) {
                                    dw[f * taps + a * kw + b] += (float) acc;
                                }
                            }
                        }
                    }
                }
            }
        });
    }

    /** The convolution geometry as the forward op computes it (explicit or automatic pads). */
    static ConvGeometry geometry(Node node, int[] xShape, int[] wShape) {
        int rank = xShape.length - 2;
        if (rank < 1 || rank > 3) {
            throw new UnsupportedOpException(node.label() + ": Conv gradient supports 1-D to 3-D, got rank " + rank);
        }
        int[] in = Arrays.copyOfRange(xShape, 2, xShape.length);
        int[] kernel = Arrays.copyOfRange(wShape, 2, wShape.length);
        int[] strides = node.getIntArray("strides", ones(rank));
        int[] dilations = node.getIntArray("dilations", ones(rank));
        int[] pads = node.getIntArray("pads", new int[2 * rank]).clone();
        String autoPad = node.getString("auto_pad", "NOTSET");
        int[] out = new int[rank];
        for (int i = 0; i < rank; i++) {
            int span = (kernel[i] - 1) * dilations[i] + 1;
            switch (autoPad) {
                case "VALID" -> {
                    pads[i] = 0;
                    pads[i + rank] = 0;
                }
                case "SAME_UPPER", "SAME_LOWER" -> {
                    int o = (in[i] + strides[i] - 1) / strides[i];
                    int total = Math.max(0, (o - 1) * strides[i] + span - in[i]);
                    int small = total / 2;
                    pads[i] = autoPad.equals("SAME_UPPER") ? small : total - small;
                    pads[i + rank] = total - pads[i];
                }
                default -> {
                }
            }
            int padded = in[i] + pads[i] + pads[i + rank];
            out[i] = padded < span ? 0 : (padded - span) / strides[i] + 1;
        }
        return new ConvGeometry(in, kernel, strides, dilations, Arrays.copyOf(pads, rank), out);
    }

    static int[] ones(int n) {
        int[] r = new int[n];
        Arrays.fill(r, 1);
        return r;
    }
}
