package dev.lowbit.ops;

import dev.lowbit.tensor.Parallel;
import dev.lowbit.tensor.kernels.ConvEpilogue;
import dev.lowbit.tensor.kernels.ConvGeometry;
import dev.lowbit.tensor.kernels.Gemm;
import dev.lowbit.tensor.kernels.GemmKernel;
import dev.lowbit.tensor.kernels.GemmPacked;
import java.util.Arrays;

/**
 * A 1x1 Conv with stride 1 and no padding (MobileNet's expand and project layers) is, per image,
 * exactly the GEMM Y[filters, HW] = W[filters, C] x X[C, HW] on the tensors as they lie: no im2col
 * and no phase planes. Measured single core on MobileNetV2's 7x7 and 14x14 layers, 32 images: 1.4
 * to 1.9x faster than the direct path, which copies the input into planes first. Images run in
 * parallel (each GEMM then on one thread); a single image parallelises inside its GEMM. The output
 * starts as bias (+ fused residual) and is clamped while the image is still in cache.
 *
 * <p>Small maps of several images ({@link #batchedColumns}) instead run one GEMM whose columns are
 * the positions of all images in a row, cut into blocks of whole column panels: a panel may hold
 * the end of one image and the start of the next, so no lane is padding, where per image 7x7 = 49
 * positions filled 64 lanes (2 panels of 32) and the second panel went through the GEMM's slow
 * edge-tile path. Each block's columns are packed straight from NCHW, multiplied into a zeroed tile,
 * and the tile's rows are finished (bias, residual, clamp) into the images' planes.
 */
final class ConvPointwise {
    private ConvPointwise() {
    }

    /**
     * Below this many positions per image the GEMM's column panels (32 wide with AVX-512) would be
     * mostly padding: such tiny maps go to the batched GEMM, whose columns span the images.
     */
    static final int MIN_POSITIONS = 32;

    /** Whether {@code geo} is a 1x1, stride-1, unpadded single-group convolution on a map big enough. */
    static boolean suits(ConvGeometry geo, int group) {
        return group == 1 && geo.isPointwise() && geo.outSize() >= MIN_POSITIONS;
    }

    /** Maps up to this many positions go through {@link #runBatched} when the batch has several images. */
    static final int BATCHED_MAX_POSITIONS = 256;

    /** Column panels per parallel task of {@link #runBatched}. */
    private static final int PANELS_PER_TASK = 4;

    /** {@code -Dlowbit.conv.batchedColumns=false} turns {@link #runBatched} off (for measurements). */
    private static final boolean BATCHED_ENABLED = !"false".equals(System.getProperty("lowbit.conv.batchedColumns"));

    /**
     * Whether {@link #runBatched} is the faster path: several images of a small map that per image
     * would leave at least a tenth of its column panels' lanes as padding (7x7: 49 of 64 lanes; 14x14:
     * 196 of 224). Measured in one JVM, 2 threads, 32 images, best of 12 (batched / per image,
     * microseconds): 7x7 40 -> 160 channels 246 / 312, 160 -> 64 236 / 288, 64 -> 128 239 / 310; 14x14
     * 64 -> 16 151 / 164; without padding (16x16, 8 images, 32 -> 64) 86 / 73, so those stay per image.
     */
    static boolean batchedColumns(ConvGemm.Problem p) {
        int positions = p.geo().outSize(), nr = Gemm.kernel().nr();
        int lanes = (positions + nr - 1) / nr * nr;
        return BATCHED_ENABLED && p.batch() > 1 && positions <= BATCHED_MAX_POSITIONS
                && (lanes - positions) * 10 >= lanes;
    }

    /** y = clamp(W x X + bias + residual) for every image; {@code weights} is W[filters, channels] packed as A. */
    static void run(GemmPacked weights, ConvGemm.Problem p) {
        if (batchedColumns(p)) {
            runBatched(weights, p);
        } else {
            runPerImage(weights, p);
        }
    }

    /** {@link #run} one image at a time. */
    static void runPerImage(GemmPacked weights, ConvGemm.Problem p) {
        int channels = p.channels();
        int filters = p.filters();
        int positions = p.geo().outSize();
        Parallel.forEachDynamic(p.batch(), n -> {
            int xOff = n * channels * positions;
            int yOff = n * filters * positions;
            for (int f = 0; f < filters; f++) {
                int row = yOff + f * positions;
                ConvEpilogue.init(p.y(), row, positions, p.bias() == null ? 0f : p.bias()[f], p.residual(), row);
            }
            GemmPacked x = Gemm.packBScratch(false, channels, positions, p.x(), xOff, positions);
            Gemm.multiply(weights, x, 1f, p.y(), yOff, positions);
            if (p.clamp()) {
                ConvEpilogue.store(p.y(), yOff, p.y(), yOff, filters * positions, true, p.lo(), p.hi());
            }
        });
    }

    /** {@link #run} as one GEMM over the positions of all images (see the class comment). */
    static void runBatched(GemmPacked weights, ConvGemm.Problem p) {
        GemmKernel kernel = Gemm.kernel();
        int channels = p.channels(), filters = p.filters(), positions = p.geo().outSize();
        int total = p.batch() * positions;
        int block = kernel.nr() * PANELS_PER_TASK;
        int tasks = (total + block - 1) / block;
        Parallel.forRange(tasks, 1, (t0, t1) -> {
            ConvScratch scratch = ConvScratch.get();
            float[] packed = scratch.packed(GemmPacked.size(block, channels, kernel.nr()));
            float[] tile = scratch.tile(filters * block);
            for (int t = t0; t < t1; t++) {
                int j0 = t * block, cols = Math.min(block, total - j0);
                GemmPacked b = packColumns(p.x(), channels, positions, j0, cols, kernel, packed);
                Arrays.fill(tile, 0, filters * block, 0f);
                Gemm.multiply(weights, b, 1f, tile, 0, block);
                finish(tile, block, j0, cols, p);
            }
        });
    }

    /**
     * Columns [j0, j0 + cols) of X over the batch (column j: image j / positions, position j %
     * positions, rows the channels) packed as B panels: runs of a channel's plane copied as they lie.
     */
    private static GemmPacked packColumns(float[] x, int channels, int positions, int j0, int cols,
            GemmKernel kernel, float[] dst) {
        int nr = kernel.nr(), kc = kernel.kc();
        GemmPacked b = new GemmPacked(dst, cols, channels, nr, kc);
        for (int p0 = 0; p0 < channels; p0 += kc) {
            int kb = Math.min(kc, channels - p0);
            for (int s = 0; s < b.panels(); s++) {
                int base = b.panelOffset(p0, kb, s);
                int c0 = s * nr, lanes = Math.min(nr, cols - c0);
                for (int k = 0; k < kb; k++) {
                    int at = base + k * nr;
                    for (int r = 0; r < lanes; ) {
                        int j = j0 + c0 + r, n = j / positions, q = j % positions;
                        int run = Math.min(lanes - r, positions - q);
                        System.arraycopy(x, (n * channels + p0 + k) * positions + q, dst, at + r, run);
                        r += run;
                    }
                    Arrays.fill(dst, at + lanes, at + nr, 0f);
                }
            }
        }
        return b;
    }

    /** The tile's rows (filters x columns [j0, j0 + cols) of the batch) finished into the images' planes. */
    private static void finish(float[] tile, int ld, int j0, int cols, ConvGemm.Problem p) {
        int filters = p.filters(), positions = p.geo().outSize();
        for (int r = 0; r < cols; ) {
            int j = j0 + r, n = j / positions, q = j % positions;
            int run = Math.min(cols - r, positions - q);
            for (int f = 0; f < filters; f++) {
                int at = (n * filters + f) * positions + q;
                ConvEpilogue.finish(tile, f * ld + r, p.y(), at, run, p.bias() == null ? 0f : p.bias()[f],
                        p.residual(), at, p.clamp(), p.lo(), p.hi());
            }
            r += run;
        }
    }
}
