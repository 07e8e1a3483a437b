package dev.lowbit.tensor.kernels;

import java.util.Random;

/** Random 2-D convolution geometries for kernel tests: odd sizes, strides 1-3, dilations 1-2, asymmetric pads. */
final class RandomConvGeometry {
    private RandomConvGeometry() {
    }

    /**
     * Maps of 1-20 per side, kernels of 1 to {@code maxKernel} per side, pads below the kernel size;
     * null when the padded input is smaller than the kernel's span (no output).
     */
    static ConvGeometry next(Random rnd, int maxKernel) {
        int inH = 1 + rnd.nextInt(20), inW = 1 + rnd.nextInt(20);
        int kH = 1 + rnd.nextInt(maxKernel), kW = 1 + rnd.nextInt(maxKernel);
        int sH = 1 + rnd.nextInt(3), sW = 1 + rnd.nextInt(3), dH = 1 + rnd.nextInt(2), dW = 1 + rnd.nextInt(2);
        int pT = rnd.nextInt(kH), pL = rnd.nextInt(kW), pB = rnd.nextInt(kH), pR = rnd.nextInt(kW);
        int spanH = (kH - 1) * dH + 1, spanW = (kW - 1) * dW + 1;
        if (inH + pT + pB < spanH || inW + pL + pR < spanW) {
            return null;
        }
        int outH = (inH + pT + pB - spanH) / sH + 1, outW = (inW + pL + pR - spanW) / sW + 1;
        return new ConvGeometry(new int[] {inH, inW}, new int[] {kH, kW}, new int[] {sH, sW}, new int[] {dH, dW},
                new int[] {pT, pL}, new int[] {outH, outW});
    }
}
