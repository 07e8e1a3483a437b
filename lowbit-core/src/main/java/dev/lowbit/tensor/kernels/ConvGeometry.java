package dev.lowbit.tensor.kernels;

/**
 * Spatial geometry of an N-d convolution: input extent, kernel extent, strides, dilations, leading
 * pads and output extent, one entry per spatial axis. For a transposed convolution "input" is the
 * (larger) output image and "output" the (smaller) input image, so im2col/col2im read the same.
 */
public record ConvGeometry(int[] in, int[] kernel, int[] strides, int[] dilations, int[] padBegin, int[] out) {
    public int rank() {
        return in.length;
    }

    public int inSize() {
        return product(in);
    }

    public int kernelSize() {
        return product(kernel);
    }

    public int outSize() {
        return product(out);
    }

    /** True when every output element is exactly one input element (1x1 kernel, stride 1, no pads). */
    public boolean isPointwise() {
        for (int i = 0; i < in.length; i++) {
            if (kernel[i] != 1 || strides[i] != 1 || padBegin[i] != 0 || out[i] != in[i]) {
                return false;
            }
        }
        return true;
    }

    private static int product(int[] v) {
        int p = 1;
        for (int d : v) {
            p *= d;
        }
        return p;
    }
}
