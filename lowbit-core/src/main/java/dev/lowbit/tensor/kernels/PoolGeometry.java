package dev.lowbit.tensor.kernels;

import java.util.Arrays;

/**
 * Where each pooling window sits: spatial input and output sizes, kernel, strides, dilations and
 * the padding actually applied at each end (after resolving auto_pad and ceil_mode).
 */
public record PoolGeometry(int[] in, int[] out, int[] kernel, int[] strides, int[] dilations,
        int[] padBegin, int[] padEnd) {

    /** Spatial rank (1 for 1-D pooling, 2 for images...). */
    public int rank() {
        return in.length;
    }

    public int inPlaneSize() {
        return product(in);
    }

    public int outPlaneSize() {
        return product(out);
    }

    /**
     * Resolves ONNX pooling attributes for one input.
     *
     * @param pads explicit pads as ONNX lays them out (all begins, then all ends), or null for zeros
     * @param autoPad NOTSET, VALID, SAME_UPPER or SAME_LOWER
     */
    public static PoolGeometry of(int[] in, int[] kernel, int[] strides, int[] dilations, int[] pads,
            String autoPad, boolean ceilMode) {
        int k = in.length;
        if (kernel.length != k || strides.length != k || dilations.length != k
                || (pads != null && pads.length != 2 * k)) {
            throw new IllegalArgumentException("pooling attributes do not match " + k
                    + " spatial dims: kernel " + Arrays.toString(kernel) + ", strides "
                    + Arrays.toString(strides) + ", dilations " + Arrays.toString(dilations)
                    + ", pads " + Arrays.toString(pads));
        }
        int[] out = new int[k];
        int[] pb = new int[k];
        int[] pe = new int[k];
        for (int i = 0; i < k; i++) {
            if (kernel[i] < 1 || strides[i] < 1 || dilations[i] < 1) {
                throw new IllegalArgumentException("kernel, strides and dilations must be positive");
            }
            int span = (kernel[i] - 1) * dilations[i] + 1;
            switch (autoPad) {
                case "SAME_UPPER", "SAME_LOWER" -> {
                    out[i] = ceilDiv(in[i], strides[i]);
                    int total = Math.max(0, (out[i] - 1) * strides[i] + span - in[i]);
                    pb[i] = autoPad.equals("SAME_UPPER") ? total / 2 : total - total / 2;
                    pe[i] = total - pb[i];
                }
                case "VALID" -> out[i] = Math.max(0, ceilDiv(in[i] - span + 1, strides[i]));
                case "NOTSET", "" -> {
                    if (pads != null) {
                        pb[i] = pads[i];
                        pe[i] = pads[i + k];
                    }
                    int room = in[i] + pb[i] + pe[i] - span;
                    if (room < 0) {
                        throw new IllegalArgumentException("pooling window " + span
                                + " larger than padded input " + (in[i] + pb[i] + pe[i]));
                    }
                    out[i] = (ceilMode ? ceilDiv(room, strides[i]) : room / strides[i]) + 1;
                    // A window may not start inside the end padding (PyTorch/onnxruntime rule).
                    if (ceilMode && (out[i] - 1) * strides[i] >= in[i] + pb[i]) {
                        out[i]--;
                    }
                }
                default -> throw new IllegalArgumentException("unknown auto_pad " + autoPad);
            }
        }
        return new PoolGeometry(in.clone(), out, kernel.clone(), strides.clone(), dilations.clone(), pb, pe);
    }

    private static int ceilDiv(int a, int b) {
        return Math.floorDiv(a + b - 1, b);
    }

    private static int product(int[] v) {
        int p = 1;
        for (int d : v) {
            p *= d;
        }
        return p;
    }
}
