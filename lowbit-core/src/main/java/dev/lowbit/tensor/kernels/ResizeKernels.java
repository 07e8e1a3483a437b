package dev.lowbit.tensor.kernels;

import dev.lowbit.UnsupportedOpException;
import dev.lowbit.tensor.DType;
import dev.lowbit.tensor.Parallel;
import dev.lowbit.tensor.Tensor;
import dev.lowbit.tensor.kernels.ResizeCoords.AxisMap;

/**
 * Separable resize: one pass per resized axis, each viewing the tensor as [outer, len, inner].
 * Nearest passes copy blocks (any element type); linear and cubic passes blend rows in float
 * (FLOAT, through the provider's {@link ResampleLoops}) or double (DOUBLE and half types). A 4-D
 * NCHW resize of H and W is two passes whose rows are split across cores.
 */
public final class ResizeKernels {
    private static final ResampleLoops LOOPS = VectorizationProvider.get().resample();

    private ResizeKernels() {
    }

    /** Resizes {@code in} with one table per axis (null = axis unchanged). */
    public static Tensor resize(Tensor in, AxisMap[] maps, double extrapolation) {
        int rank = in.rank();
        boolean interpolate = false;
        for (AxisMap m : maps) {
            interpolate |= m != null && m.taps() > 1;
        }
        DType t = in.dtype();
        if (interpolate && !t.isFloatingPoint()) {
            throw new UnsupportedOpException("Resize: linear/cubic on " + t.onnxName() + " is not supported");
        }
        int[] shape = in.shape();
        Object data = in.data();
        if (interpolate && t != DType.FLOAT && t != DType.DOUBLE) {
            double[] d = new double[in.size()];
            for (int i = 0; i < d.length; i++) {
                d[i] = in.getDouble(i);
            }
            data = d;
        }
        for (int a = rank - 1; a >= 0; a--) {
            AxisMap m = maps[a];
            if (m == null || m.isIdentity()) {
                continue;
            }
            int outer = 1;
            for (int i = 0; i < a; i++) {
                outer *= shape[i];
            }
            int inner = 1;
            for (int i = a + 1; i < rank; i++) {
                inner *= shape[i];
            }
            data = pass(data, outer, inner, m, extrapolation);
            shape[a] = m.outLen();
        }
        if (data == in.data()) {
            return in.reshape(shape);
        }
        if (data instanceof double[] d && t != DType.DOUBLE) {
            Tensor out = Tensor.zeros(t, shape);
            for (int i = 0; i < d.length; i++) {
                out.setDouble(i, d[i]);
            }
            return out;
        }
        return Tensor.wrap(t, shape, data);
    }

    private static Object pass(Object src, int outer, int inner, AxisMap m, double extrapolation) {
        int outLen = m.outLen();
        int inLen = m.inLen();
        Object dst = java.lang.reflect.Array.newInstance(src.getClass().getComponentType(), outer * outLen * inner);
        if (src instanceof String[]) {
            java.util.Arrays.fill((String[]) dst, "");
        }
        Object fill = extrapolationArray(src, extrapolation);
        if (inner == 1 && m.outside() == null && src instanceof float[] f) {
            // Resizing the innermost axis: one gather-blend per output row, rows split across cores.
            float[] out = (float[]) dst;
            Parallel.forRange(outer, Math.max(1, 8192 / Math.max(1, outLen * m.taps())),
                    (o0, o1) -> innermostFloat(f, out, o0, o1, inLen, m));
            return dst;
        }
        if (inner == 1 && m.outside() == null && m.taps() == 1) {
            // nearest along the innermost axis, any element type: a row gather through the table
            Parallel.forRange(outer, Math.max(1, 8192 / Math.max(1, outLen)), (o0, o1) -> {
                for (int o = o0; o < o1; o++) {
                    CopyKernels.gatherRun(src, o * inLen, m.idx(), dst, o * outLen);
                }
            });
            return dst;
        }
        int grain = Math.max(1, 8192 / Math.max(1, inner * m.taps()));
        Parallel.forRange(outer * outLen, grain, (r0, r1) -> {
            for (int r = r0; r < r1; r++) {
                int o = r / outLen, j = r % outLen;
                int dstPos = r * inner;
                if (m.outside() != null && m.outside()[j]) {
                    CopyKernels.fillFrom(fill, 0, dst, dstPos, inner);
                } else if (m.taps() == 1) {
                    int s = (o * inLen + m.idx()[j]) * inner;
                    if (inner == 1 && src instanceof float[] f) {
                        ((float[]) dst)[dstPos] = f[s];
                    } else {
                        System.arraycopy(src, s, dst, dstPos, inner);
                    }
                } else if (src instanceof float[] f) {
                    blendFloat(f, o * inLen * inner, inner, m, j, (float[]) dst, dstPos);
                } else {
                    blendDouble((double[]) src, o * inLen * inner, inner, m, j, (double[]) dst, dstPos);
                }
            }
        });
        return dst;
    }

    private static void innermostFloat(float[] src, float[] dst, int o0, int o1, int inLen, AxisMap m) {
        int outLen = m.outLen();
        int[] idx = m.idx();
        float[] w = m.w();
        for (int o = o0; o < o1; o++) {
            int s = o * inLen;
            int d = o * outLen;
            switch (m.taps()) {
                case 1 -> {
                    for (int j = 0; j < outLen; j++) {
                        dst[d + j] = src[s + idx[j]];
                    }
                }
                case 2 -> {
                    for (int j = 0; j < outLen; j++) {
                        int b = 2 * j;
                        dst[d + j] = w[b] * src[s + idx[b]] + w[b + 1] * src[s + idx[b + 1]];
                    }
                }
                default -> {
                    int taps = m.taps();
                    for (int j = 0; j < outLen; j++) {
                        float acc = 0;
                        for (int t = 0; t < taps; t++) {
                            acc += w[j * taps + t] * src[s + idx[j * taps + t]];
                        }
                        dst[d + j] = acc;
                    }
                }
            }
        }
    }

    private static Object extrapolationArray(Object like, double v) {
        return switch (like) {
            case float[] f -> new float[] {(float) v};
            case double[] d -> new double[] {v};
            case long[] l -> new long[] {(long) v};
            case int[] i -> new int[] {(int) v};
            case short[] s -> new short[] {(short) v};
            case byte[] b -> new byte[] {(byte) v};
            case boolean[] b -> new boolean[] {v != 0};
            default -> new String[] {""};
        };
    }

    /** dst[dstPos + i] = sum_t w[j,t] * src[base + idx[j,t]*inner + i] for i in [0, inner). */
    private static void blendFloat(float[] src, int base, int inner, AxisMap m, int j, float[] dst, int dstPos) {
        int taps = m.taps();
        int[] idx = m.idx();
        float[] w = m.w();
        int b = j * taps;
        if (inner == 1) {
            float acc = 0;
            for (int t = 0; t < taps; t++) {
                acc += w[b + t] * src[base + idx[b + t]];
            }
            dst[dstPos] = acc;
            return;
        }
        LOOPS.blend(src, base, inner, idx, w, b, taps, dst, dstPos);
    }

    private static void blendDouble(double[] src, int base, int inner, AxisMap m, int j, double[] dst, int dstPos) {
        int taps = m.taps();
        int b = j * taps;
        for (int i = 0; i < inner; i++) {
            double acc = 0;
            for (int t = 0; t < taps; t++) {
                acc += m.w()[b + t] * src[base + m.idx()[b + t] * inner + i];
            }
            dst[dstPos + i] = acc;
        }
    }
}
