package dev.lowbit.tensor.kernels;

import dev.lowbit.tensor.Parallel;

/**
 * Straightforward N-D pooling in double precision over {@code planes} independent (batch,
 * channel) planes. It serves every dtype and spatial rank the float fast paths do not, and is the
 * reference those fast paths are tested against.
 */
public final class PoolReference {
    /** What a window computes. */
    public enum Mode { MAX, AVERAGE, LP }

    private PoolReference() {
    }

    /**
     * Pools {@code x} (planes x input plane) into {@code y} (planes x output plane).
     *
     * @param countIncludePad AVERAGE only: divide by the window size clipped to the padded input
     *     instead of by the number of real input elements
     * @param p LP only: the norm exponent
     * @param indices MAX only, may be null: receives each maximum's flat index into {@code x}
     * @param columnMajor index layout inside a plane for {@code indices} (storage_order = 1)
     */
    public static void pool(double[] x, double[] y, int planes, PoolGeometry g, Mode mode,
            boolean countIncludePad, double p, long[] indices, boolean columnMajor) {
        int inSize = g.inPlaneSize();
        int outSize = g.outPlaneSize();
        Parallel.forRange(planes, Math.max(1, 4096 / Math.max(1, outSize)), (start, end) -> {
            int k = g.rank();
            int[] outPos = new int[k];
            int[] kernelPos = new int[k];
            for (int plane = start; plane < end; plane++) {
                int xBase = plane * inSize;
                for (int o = 0; o < outSize; o++) {
                    unflatten(o, g.out(), outPos);
                    java.util.Arrays.fill(kernelPos, 0);
                    double acc = mode == Mode.MAX ? Double.NEGATIVE_INFINITY : 0;
                    long argmax = -1;
                    int valid = 0;
                    int inPadded = 0;
                    boolean more = true;
                    while (more) {
                        int flat = 0;
                        int colFlat = 0;
                        int colStride = 1;
                        boolean inside = true;
                        boolean insidePadded = true;
                        for (int d = 0; d < k; d++) {
                            int c = outPos[d] * g.strides()[d] - g.padBegin()[d] + kernelPos[d] * g.dilations()[d];
                            if (c < 0 || c >= g.in()[d]) {
                                inside = false;
                                if (c < -g.padBegin()[d] || c >= g.in()[d] + g.padEnd()[d]) {
                                    insidePadded = false;
                                }
                            }
                            flat = flat * g.in()[d] + c;
                            colFlat += c * colStride;
                            colStride *= g.in()[d];
                        }
                        if (insidePadded) {
                            inPadded++;
                        }
                        if (inside) {
                            valid++;
                            double v = x[xBase + flat];
                            switch (mode) {
                                case MAX -> {
                                    // The first NaN wins, as Math.max would propagate it.
                                    if (argmax < 0 || v > acc || (Double.isNaN(v) && !Double.isNaN(acc))) {
                                        acc = v;
                                        argmax = xBase + (long) (columnMajor ? colFlat : flat);
                                    }
                                }
                                case AVERAGE -> acc += v;
                                case LP -> acc += Math.pow(Math.abs(v), p);
                            }
                        }
                        more = advance(kernelPos, g.kernel());
                    }
                    double r = switch (mode) {
                        case MAX -> acc;
                        case AVERAGE -> acc / (countIncludePad ? inPadded : valid);
                        case LP -> Math.pow(acc, 1.0 / p);
                    };
                    y[plane * outSize + o] = r;
                    if (indices != null) {
                        indices[plane * outSize + o] = argmax;
                    }
                }
            }
        });
    }

    /** Row-major multi-index of flat position {@code flat} in {@code dims}. */
    static void unflatten(int flat, int[] dims, int[] pos) {
        for (int d = dims.length - 1; d >= 0; d--) {
            pos[d] = flat % dims[d];
            flat /= dims[d];
        }
    }

    /** Steps an odometer over {@code dims}; false once it wraps around. */
    static boolean advance(int[] pos, int[] dims) {
        for (int d = pos.length - 1; d >= 0; d--) {
            if (++pos[d] < dims[d]) {
                return true;
            }
            pos[d] = 0;
        }
        return false;
    }
}
