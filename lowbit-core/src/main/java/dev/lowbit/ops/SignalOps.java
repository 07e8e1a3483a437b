package dev.lowbit.ops;

import dev.lowbit.exec.Op;
import dev.lowbit.exec.OpContext;
import dev.lowbit.exec.OpRegistry;
import dev.lowbit.UnsupportedOpException;
import dev.lowbit.tensor.DType;
import dev.lowbit.tensor.Shapes;
import dev.lowbit.tensor.Tensor;

/**
 * Signal processing (opset 17): HannWindow, HammingWindow, BlackmanWindow, DFT, STFT and
 * MelWeightMatrix. Transforms are a plain O(n²) DFT in double precision: correct for any length,
 * fast enough for the short frames these ops see. Complex values are a trailing dimension of 2.
 */
final class SignalOps implements OpRegistry.Family {
    @Override
    public void register(OpRegistry r) {
        r.register("", "HannWindow", 17, ctx -> window(ctx, new double[] {0.5, 0.5, 0}));
        r.register("", "HammingWindow", 17, ctx -> window(ctx, new double[] {25.0 / 46, 21.0 / 46, 0}));
        r.register("", "BlackmanWindow", 17, ctx -> window(ctx, new double[] {0.42, 0.5, 0.08}));
        r.register("", "DFT", 17, SignalOps::dft);
        r.register("", "STFT", 17, SignalOps::stft);
        r.register("", "MelWeightMatrix", 17, SignalOps::mel);
    }

    private static DType outputType(OpContext ctx, int def) {
        DType t = DType.fromOnnx((int) ctx.node().getInt("output_datatype", def));
        if (!t.isFloatingPoint() && !t.isInteger()) {
            throw ctx.unsupported("output_datatype " + t.onnxName());
        }
        return t;
    }

    /** a0 - a1·cos(2πn/N) + a2·cos(4πn/N), N = size (periodic) or size - 1 (symmetric). */
    private static Op window(OpContext ctx, double[] a) {
        DType type = outputType(ctx, 1);
        boolean periodic = ctx.node().getInt("periodic", 1) != 0;
        return in -> {
            int size = (int) in[0].getLong(0);
            double denom = periodic ? size : size - 1;
            Tensor out = Tensor.zeros(type, size);
            for (int i = 0; i < size; i++) {
                double p = 2 * Math.PI * i / denom;
                out.setDouble(i, a[0] - a[1] * Math.cos(p) + a[2] * Math.cos(2 * p));
            }
            return new Tensor[] {out};
        };
    }

    private static Op dft(OpContext ctx) {
        boolean inverse = ctx.node().getInt("inverse", 0) != 0;
        boolean onesided = ctx.node().getInt("onesided", 0) != 0;
        boolean axisIsInput = ctx.opset() >= 20;
        int axisAttr = (int) ctx.node().getInt("axis", 1);
        if (onesided && inverse) {
            throw ctx.unsupported("onesided inverse DFT");
        }
        return in -> {
            Tensor x = in[0];
            checkFloat(x);
            int rank = x.rank();
            int comps = x.dim(rank - 1);
            if (comps != 1 && comps != 2) {
                throw new UnsupportedOpException("DFT: last dimension must be 1 or 2, is " + comps);
            }
            int axis = axisIsInput ? (in.length > 2 && in[2] != null ? (int) in[2].getLong(0) : -2) : axisAttr;
            axis = Shapes.axis(axis, rank);
            if (axis == rank - 1) {
                throw new UnsupportedOpException("DFT: axis must not be the complex dimension");
            }
            int len = x.dim(axis);
            int n = in.length > 1 && in[1] != null ? (int) in[1].getLong(0) : len;
            int bins = onesided ? n / 2 + 1 : n;
            int[] s = x.shapeRef();
            int outer = 1;
            for (int i = 0; i < axis; i++) {
                outer *= s[i];
            }
            int inner = 1;
            for (int i = axis + 1; i < rank - 1; i++) {
                inner *= s[i];
            }
            int[] shape = s.clone();
            shape[axis] = bins;
            shape[rank - 1] = 2;
            Tensor out = Tensor.zeros(x.dtype(), shape);
            double[] re = new double[n];
            double[] im = new double[n];
            double[] outRe = new double[bins];
            double[] outIm = new double[bins];
            for (int o = 0; o < outer; o++) {
                for (int k = 0; k < inner; k++) {
                    java.util.Arrays.fill(re, 0);
                    java.util.Arrays.fill(im, 0);
                    for (int t = 0; t < Math.min(n, len); t++) {
                        int at = ((o * len + t) * inner + k) * comps;
                        re[t] = x.getDouble(at);
                        im[t] = comps == 2 ? x.getDouble(at + 1) : 0;
                    }
                    transform(re, im, n, bins, inverse, outRe, outIm);
                    for (int f = 0; f < bins; f++) {
                        int at = ((o * bins + f) * inner + k) * 2;
                        out.setDouble(at, outRe[f]);
                        out.setDouble(at + 1, outIm[f]);
                    }
                }
            }
            return new Tensor[] {out};
        };
    }

    /** The first {@code bins} coefficients of the length-n DFT (inverse: conjugate kernel, divided by n). */
    static void transform(double[] re, double[] im, int n, int bins, boolean inverse, double[] outRe, double[] outIm) {
        double sign = inverse ? 1 : -1;
        for (int f = 0; f < bins; f++) {
            double sr = 0;
            double si = 0;
            for (int t = 0; t < n; t++) {
                // reduce the angle index mod n first so large n keeps full precision
                double ang = sign * 2 * Math.PI * (((long) f * t) % n) / n;
                double c = Math.cos(ang);
                double sn = Math.sin(ang);
                sr += re[t] * c - im[t] * sn;
                si += re[t] * sn + im[t] * c;
            }
            outRe[f] = inverse ? sr / n : sr;
            outIm[f] = inverse ? si / n : si;
        }
    }

    private static Op stft(OpContext ctx) {
        boolean onesided = ctx.node().getInt("onesided", 1) != 0;
        return in -> {
            Tensor x = in[0];
            checkFloat(x);
            int batch = x.dim(0);
            int length = x.dim(1);
            int comps = x.dim(2);
            int step = (int) in[1].getLong(0);
            Tensor window = in.length > 2 ? in[2] : null;
            int frameLen = window != null ? window.size()
                    : in.length > 3 && in[3] != null ? (int) in[3].getLong(0) : -1;
            if (frameLen <= 0 || step <= 0 || frameLen > length) {
                throw new UnsupportedOpException("STFT: needs a window or frame_length no longer than the signal");
            }
            if (onesided && comps == 2) {
                throw new UnsupportedOpException("STFT: onesided output of a complex signal");
            }
            int frames = 1 + (length - frameLen) / step;
            int bins = onesided ? frameLen / 2 + 1 : frameLen;
            Tensor out = Tensor.zeros(x.dtype(), batch, frames, bins, 2);
            double[] re = new double[frameLen];
            double[] im = new double[frameLen];
            double[] outRe = new double[bins];
            double[] outIm = new double[bins];
            for (int b = 0; b < batch; b++) {
                for (int f = 0; f < frames; f++) {
                    for (int t = 0; t < frameLen; t++) {
                        double w = window == null ? 1 : window.getDouble(t);
                        int at = (b * length + f * step + t) * comps;
                        re[t] = x.getDouble(at) * w;
                        im[t] = comps == 2 ? x.getDouble(at + 1) * w : 0;
                    }
                    transform(re, im, frameLen, bins, false, outRe, outIm);
                    for (int k = 0; k < bins; k++) {
                        int at = ((b * frames + f) * bins + k) * 2;
                        out.setDouble(at, outRe[k]);
                        out.setDouble(at + 1, outIm[k]);
                    }
                }
            }
            return new Tensor[] {out};
        };
    }

    /** Triangular mel filters over dft_length/2+1 bins, with the spec reference's integer bin edges. */
    private static Op mel(OpContext ctx) {
        DType type = outputType(ctx, 1);
        return in -> {
            int mels = (int) in[0].getLong(0);
            int dftLen = (int) in[1].getLong(0);
            int rate = (int) in[2].getLong(0);
            double lower = in[3].getDouble(0);
            double upper = in[4].getDouble(0);
            int specBins = dftLen / 2 + 1;
            double lowMel = 2595 * Math.log10(1 + lower / 700);
            double highMel = 2595 * Math.log10(1 + upper / 700);
            // the spec reference divides by the number of edges (mels + 2), not the number of gaps
            double melStep = (highMel - lowMel) / (mels + 2);
            int[] edge = new int[mels + 2];
            for (int i = 0; i < edge.length; i++) {
                double hz = 700 * (Math.pow(10, (i * melStep + lowMel) / 2595) - 1);
                edge[i] = (int) Math.floor((dftLen + 1) * hz / rate);
            }
            double[] w = new double[specBins * mels];
            for (int m = 0; m < mels; m++) {
                int lo = edge[m];
                int center = edge[m + 1];
                int hi = edge[m + 2];
                if (center == lo) {
                    set(w, center, mels, m, 1, specBins);
                } else {
                    for (int j = lo; j <= center; j++) {
                        set(w, j, mels, m, (double) (j - lo) / (center - lo), specBins);
                    }
                }
                for (int j = center; j < hi; j++) {
                    set(w, j, mels, m, (double) (hi - j) / (hi - center), specBins);
                }
            }
            Tensor out = Tensor.zeros(type, specBins, mels);
            for (int i = 0; i < w.length; i++) {
                out.setDouble(i, w[i]);
            }
            return new Tensor[] {out};
        };
    }

    private static void set(double[] w, int bin, int mels, int m, double v, int specBins) {
        if (bin < 0 || bin >= specBins) {
            throw new UnsupportedOpException("MelWeightMatrix: filter edge " + bin + " outside the spectrum");
        }
        w[bin * mels + m] = v;
    }

    private static void checkFloat(Tensor x) {
        if (!x.dtype().isFloatingPoint()) {
            throw new UnsupportedOpException("unsupported data type " + x.dtype().onnxName());
        }
    }
}
