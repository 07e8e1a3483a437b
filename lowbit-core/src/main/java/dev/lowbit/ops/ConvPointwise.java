package dev.lowbit.ops;

import dev.lowbit.tensor.Parallel;
import dev.lowbit.tensor.kernels.ConvGeometry;
import dev.lowbit.tensor.kernels.ConvPointwiseKernel;
import dev.lowbit.tensor.kernels.GemmPacked;
import dev.lowbit.tensor.kernels.VectorizationProvider;

/**
 * A 1x1 Conv with stride 1 and no padding (MobileNet's expand and project layers, ResNet's
 * bottlenecks) is, per image, exactly the product Y[filters, HW] = W[filters, C] x X[C, HW] on the
 * tensors as they lie. {@link ConvPointwiseKernel} computes it without im2col, without packing the
 * input and without a C tile: the input's channel planes are read in place, the bias, fused
 * residual and clamp are applied to the accumulators, and each output row is written once into
 * its plane.
 *
 * <p>It replaced a per-image packed GEMM and a GEMM over the columns of all images. In one JVM, 2
 * threads, best of 12, microseconds for direct / all-images GEMM / per-image GEMM (channels in ->
 * out, map, images): 16 -> 64, 14x14, 32: 120 / 169 / 147; 64 -> 16, 14x14, 32: 78 / 133 / 131;
 * 160 -> 40, 7x7, 32: 126 / 148 / 170; 40 -> 160, 7x7, 32: 160 / 158 / 203; 192 -> 32, 28x28, 8:
 * 365 / 587 / 503; 24 -> 144, 56x56, 2: 326 / 344 / 319; and for one image, 256 -> 64, 56x56: 510
 * against 672 per image, 2048 -> 512, 7x7: 615 against 680.
 */
final class ConvPointwise {
    private ConvPointwise() {
    }

    /**
     * Below this many positions per image a vector of positions would be mostly idle lanes: such
     * maps (SE blocks' 1x1, classifier heads) go to the im2col GEMM, whose columns span the images.
     */
    static final int MIN_POSITIONS = 32;

    private static final ConvPointwiseKernel KERNEL = VectorizationProvider.get().pointwiseConv();

    /** Whether {@code geo} is a 1x1, stride-1, unpadded single-group convolution on a map big enough. */
    static boolean suits(ConvGeometry geo, int group) {
        return group == 1 && geo.isPointwise() && geo.outSize() >= MIN_POSITIONS;
    }

    /**
     * y = clamp(W x X + bias + residual) for every image; {@code weights} is W[filters, channels]
     * packed as GEMM A. Tasks are images, and when there are fewer images than two per thread,
     * groups of weight panels within them.
     */
    static void run(GemmPacked weights, ConvGemm.Problem p) {
        int channels = p.channels(), filters = p.filters(), positions = p.geo().outSize();
        int panels = weights.panels();
        int perImage = Math.max(1, Math.min(panels, (2 * Parallel.threads() + p.batch() - 1) / p.batch()));
        int per = (panels + perImage - 1) / perImage;
        int groups = (panels + per - 1) / per;
        Parallel.forRange(p.batch() * groups, 1, (t0, t1) -> {
            for (int t = t0; t < t1; t++) {
                int n = t / groups, g = t % groups;
                KERNEL.image(weights, g * per, Math.min(panels, (g + 1) * per), p.x(), n * channels * positions,
                        positions, p.y(), n * filters * positions, p.bias(), p.residual(), p.clamp(), p.lo(), p.hi());
            }
        });
    }
}
