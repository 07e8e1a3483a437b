package dev.lowbit.tensor.kernels;

import dev.lowbit.tensor.Parallel;
import dev.lowbit.tensor.Shapes;
import dev.lowbit.tensor.Tensor;

/**
 * Pad in modes constant, reflect, edge and wrap, for any element type. Each axis gets a map from
 * output to source index (-1 = constant); rows of the last axis are then filled by a constant
 * fill plus one block copy (constant mode) or an index gather (other modes).
 */
public final class PadKernels {
    /** Pad mode. */
    public enum Mode { CONSTANT, REFLECT, EDGE, WRAP }

    private PadKernels() {
    }

    /**
     * Pads {@code in} by {@code before[d]}/{@code after[d]} (negative values crop). {@code constant}
     * is a one-element array of the input's storage type.
     */
    public static Tensor pad(Tensor in, int[] before, int[] after, Mode mode, Object constant) {
        int[] s = in.shapeRef();
        int rank = s.length;
        int[] os = new int[rank];
        int[][] maps = new int[rank][];
        for (int d = 0; d < rank; d++) {
            os[d] = s[d] + before[d] + after[d];
            if (os[d] < 0) {
                throw new IllegalArgumentException("Pad: negative output size on axis " + d);
            }
            if (s[d] == 0 && os[d] > 0 && mode != Mode.CONSTANT) {
                throw new IllegalArgumentException("Pad: cannot " + mode + "-pad an empty axis " + d);
            }
            maps[d] = axisMap(s[d], os[d], before[d], mode);
        }
        Tensor out = Tensor.zeros(in.dtype(), os);
        if (out.size() == 0) {
            return out;
        }
        if (rank == 0) {
            System.arraycopy(in.data(), 0, out.data(), 0, 1);
            return out;
        }
        int[] strides = Shapes.strides(s);
        int inner = os[rank - 1];
        int[] lastMap = maps[rank - 1];
        // contiguous valid range of the last axis in constant mode
        int lo = 0;
        while (lo < inner && lastMap[lo] < 0) {
            lo++;
        }
        int hi = lo;
        while (hi < inner && lastMap[hi] >= 0) {
            hi++;
        }
        int first = lo < inner ? lastMap[lo] : 0;
        int loF = lo, hiF = hi;
        int rows = out.size() / inner;
        Object src = in.data();
        Object dst = out.data();
        Parallel.forRange(rows, Math.max(1, 8192 / inner), (r0, r1) -> {
            for (int r = r0; r < r1; r++) {
                int rem = r;
                int base = 0;
                boolean valid = true;
                for (int d = rank - 2; d >= 0; d--) {
                    int i = maps[d][rem % os[d]];
                    rem /= os[d];
                    if (i < 0) {
                        valid = false;
                        break;
                    }
                    base += i * strides[d];
                }
                int dstPos = r * inner;
                if (!valid) {
                    CopyKernels.fillFrom(constant, 0, dst, dstPos, inner);
                } else if (mode == Mode.CONSTANT) {
                    CopyKernels.fillFrom(constant, 0, dst, dstPos, loF);
                    System.arraycopy(src, base + first, dst, dstPos + loF, hiF - loF);
                    CopyKernels.fillFrom(constant, 0, dst, dstPos + hiF, inner - hiF);
                } else {
                    CopyKernels.gatherRun(src, base, lastMap, dst, dstPos);
                }
            }
        });
        return out;
    }

    static int[] axisMap(int n, int outLen, int before, Mode mode) {
        int[] map = new int[outLen];
        for (int o = 0; o < outLen; o++) {
            int i = o - before;
            if (i >= 0 && i < n) {
                map[o] = i;
                continue;
            }
            map[o] = switch (mode) {
                case CONSTANT -> -1;
                case EDGE -> Math.max(0, Math.min(n - 1, i));
                case WRAP -> Math.floorMod(i, n);
                case REFLECT -> reflect(i, n);
            };
        }
        return map;
    }

    private static int reflect(int i, int n) {
        if (n == 1) {
            return 0;
        }
        int period = 2 * (n - 1);
        int k = Math.floorMod(i, period);
        return k < n ? k : period - k;
    }
}
