package dev.lowbit.grad;

import dev.lowbit.UnsupportedOpException;
import dev.lowbit.onnx.Node;
import dev.lowbit.tensor.Parallel;
import dev.lowbit.tensor.Tensor;

/**
 * GlobalAveragePool (any rank), and 2-D AveragePool and MaxPool. Window positions are the forward's:
 * the output extent is read from the saved output (so ceil_mode needs no special case), pads from the
 * attributes or auto_pad. MaxPool routes each output gradient to the first maximum of its window.
 */
final class PoolGrad implements GradRegistry.Family {
    @Override
    public void register(GradRegistry r) {
        r.register("GlobalAveragePool", PoolGrad::globalAverage);
        r.register("AveragePool", (s, d, n) -> window(s, d, false));
        r.register("MaxPool", (s, d, n) -> window(s, d, true));
    }

    private static Tensor[] globalAverage(GradOp.Saved s, Tensor[] dOut, boolean[] need) {
        Tensor x = s.input(0);
        int planes = x.dim(0) * x.dim(1), size = x.size() / planes;
        float[] g = dOut[0].floats(), dx = new float[x.size()];
        for (int p = 0; p < planes; p++) {
            float v = g[p] / size;
            java.util.Arrays.fill(dx, p * size, (p + 1) * size, v);
        }
        return new Tensor[] {Tensor.of(dx, x.shape())};
    }

    private static Tensor[] window(GradOp.Saved s, Tensor[] dOut, boolean max) {
        Node node = s.node();
        Tensor x = s.input(0), y = s.outputs()[0];
        if (x.rank() != 4) {
            throw new UnsupportedOpException(node.label() + ": " + node.opType() + " gradient supports 2-D pooling only");
        }
        if (node.getInt("storage_order", 0) != 0) {
            throw new UnsupportedOpException(node.label() + ": MaxPool gradient supports storage_order 0 only");
        }
        if (!max && node.has("dilations")
                && java.util.Arrays.stream(node.getIntArray("dilations", null)).anyMatch(d -> d != 1)) {
            throw new UnsupportedOpException(node.label() + ": AveragePool gradient supports dilations 1 only");
        }
        int h = x.dim(2), w = x.dim(3), oh = y.dim(2), ow = y.dim(3);
        int[] k = node.getIntArray("kernel_shape", null);
        int[] st = node.getIntArray("strides", new int[] {1, 1});
        int[] dil = node.getIntArray("dilations", new int[] {1, 1});
        int[] pads = node.getIntArray("pads", new int[4]).clone();
        String autoPad = node.getString("auto_pad", "NOTSET");
        if (autoPad.startsWith("SAME")) {
            int[] in = {h, w}, out = {oh, ow};
            for (int i = 0; i < 2; i++) {
                int total = Math.max(0, (out[i] - 1) * st[i] + (k[i] - 1) * dil[i] + 1 - in[i]);
                pads[i] = autoPad.equals("SAME_UPPER") ? total / 2 : total - total / 2;
                pads[i + 2] = total - pads[i];
            }
        } else if (autoPad.equals("VALID")) {
            java.util.Arrays.fill(pads, 0);
        }
        boolean includePad = node.getInt("count_include_pad", 0) != 0;
        int planes = x.dim(0) * x.dim(1);
        float[] xs = x.floats(), g = dOut[0].floats(), dx = new float[xs.length];
        int kh = k[0], kw = k[1], sh = st[0], sw = st[1], dh = dil[0], dw = dil[1], pt = pads[0], pl = pads[1];
        int hEnd = h + pads[2], wEnd = w + pads[3];
        Parallel.forRange(planes, 1, (p0, p1) -> {
            for (int p = p0; p < p1; p++) {
                int xo = p * h * w, yo = p * oh * ow;
                for (int a = 0; a < oh; a++) {
                    for (int b = 0; b < ow; b++) {
                        float gv = g[yo + a * ow + b];
                        int y0 = a * sh - pt, x0 = b * sw - pl;
                        if (max) {
                            int arg = -1;
                            float best = Float.NEGATIVE_INFINITY;
                            for (int i = 0; i < kh; i++) {
                                int iy = y0 + i * dh;
                                for (int j = 0; j < kw && iy >= 0 && iy < h; j++) {
                                    int ix = x0 + j * dw;
                                    if (ix >= 0 && ix < w && (arg < 0 || xs[xo + iy * w + ix] > best)) {
                                        best = xs[xo + iy * w + ix];
                                        arg = xo + iy * w + ix;
                                    }
                                }
                            }
                            if (arg >= 0) {
                                dx[arg] += gv;
                            }
                            continue;
                        }
                        int count = 0;
                        for (int i = 0; i < kh; i++) {
                            for (int j = 0; j < kw; j++) {
                                int iy = y0 + i, ix = x0 + j;
                                boolean inside = iy >= 0 && iy < h && ix >= 0 && ix < w;
                                boolean inPadded = iy < hEnd && ix < wEnd;
                                if (inside || (includePad && inPadded)) {
                                    count++;
                                }
                            }
                        }
                        float share = count == 0 ? 0f : gv / count;
                        for (int i = 0; i < kh; i++) {
                            int iy = y0 + i;
                            for (int j = 0; j < kw && iy >= 0 && iy < h; j++) {
                                int ix = x0 + j;
                                if (ix >= 0 && ix < w) {
                                    dx[xo + iy * w + ix] += share;
                                }
                            }
                        }
                    }
                }
            }
        });
        return new Tensor[] {Tensor.of(dx, x.shape())};
    }
}
