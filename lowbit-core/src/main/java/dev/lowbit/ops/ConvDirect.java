package dev.lowbit.ops;

import dev.lowbit.tensor.Parallel;
import dev.lowbit.tensor.kernels.ConvDirectKernel;
import dev.lowbit.tensor.kernels.ConvEpilogue;
import dev.lowbit.tensor.kernels.ConvGeometry;

/**
 * Conv through {@link ConvDirectKernel} (no im2col): per image and group, the input is copied once
 * into phase planes, then output positions are computed in chunks of accumulator rows that stay in
 * cache and are finished (bias, fused residual, clamp) straight into the output. Images run in
 * parallel; with fewer images than threads, the chunks of one image do.
 */
final class ConvDirect {
    /** Accumulator floats per chunk (128 KB: in L2 with the weights and planes). */
    private static final int TILE_BUDGET = 1 << 15;

    /** Floats after the accumulators, so a row's masked tail vector stays inside the array (fast path). */
    private static final int TAIL_SLACK = 64;

    /** Below this share of useful positions (tiny feature maps) the batched GEMM wastes less. */
    static final double MIN_EFFICIENCY = 0.6;

    private ConvDirect() {
    }

    /**
     * Whether the direct path suits this 2-D geometry with {@code depth} = input channels x taps.
     * Measured (single core, 32 images): direct wins clearly from 8x8 maps up (no im2col), the
     * batched GEMM below that (no discarded positions), and also on 7x7 maps once K is in the
     * thousands (ResNet's last stage), where the GEMM's cache blocking of the big weights pays.
     */
    static boolean suits(ConvGeometry geo, int depth, ConvDirectKernel kernel) {
        if (geo.rank() != 2 || geo.outSize() == 0) {
            return false;
        }
        int granule = kernel.granule();
        int outH = geo.out()[0], outW = geo.out()[1];
        int phW = ConvDirectKernel.Plan.rowStride(geo);
        int positions = (outH * phW + granule - 1) / granule * granule;
        double efficiency = (double) outH * outW / positions;
        // 0.9: ResNet-18's 14x14 stage (0.91) stays direct and its 7x7 stage (0.875 since rows share
        // their padding column) stays a GEMM, as measured before the shared columns.
        return efficiency >= MIN_EFFICIENCY && (efficiency >= 0.9 || depth < 2048);
    }

    static void run(ConvDirectKernel kernel, ConvDirectKernel.Plan plan, float[][] packedW, ConvGemm.Problem p) {
        run(kernel, plan, packedW, p, ConvDirectKernel.PlaneSource.of(p.x()));
    }

    /** {@link #run} reading the images from {@code x} (p's input, or the shifted bytes it stands for). */
    static void run(ConvDirectKernel kernel, ConvDirectKernel.Plan plan, float[][] packedW, ConvGemm.Problem p,
            ConvDirectKernel.PlaneSource x) {
        int tile = kernel.tile();
        int mg = p.filters() / p.group();
        int panels = (mg + ConvDirectKernel.MR - 1) / ConvDirectKernel.MR;
        int rows = panels * ConvDirectKernel.MR;
        int positions = plan.positions(kernel.granule());
        int budget = Math.max(tile, TILE_BUDGET / rows / tile * tile);
        int threads = Parallel.threads();
        int images = p.batch() * p.group();
        if (images >= 2 * threads || threads == 1) {
            int chunk = Math.min(positions, budget);
            Parallel.forEachDynamic(images, t -> {
                ConvScratch scratch = ConvScratch.get();
                float[] planes = scratch.phasePlanes(plan.planesSize(tile));
                float[] acc = scratch.tile(rows * chunk + TAIL_SLACK);
                int n = t / p.group(), g = t % p.group();
                ConvDirectKernel.buildPlanes(plan, x, inputOffset(p, n, g), planes, tile);
                for (int q0 = 0; q0 < positions; q0 += chunk) {
                    chunk(kernel, plan, packedW[g], panels, planes, q0, Math.min(positions, q0 + chunk), acc, p, n, g);
                }
            });
            return;
        }
        // Few images: split each image's positions across threads.
        int chunk = Math.min(budget, Math.max(tile, (positions / (2 * threads) + tile - 1) / tile * tile));
        int chunks = (positions + chunk - 1) / chunk;
        float[] planes = ConvScratch.get().phasePlanes(plan.planesSize(tile));
        for (int t = 0; t < images; t++) {
            int n = t / p.group(), g = t % p.group();
            ConvDirectKernel.buildPlanes(plan, x, inputOffset(p, n, g), planes, tile);
            Parallel.forEachDynamic(chunks, c -> {
                float[] acc = ConvScratch.get().tile(rows * chunk + TAIL_SLACK);
                int q0 = c * chunk;
                chunk(kernel, plan, packedW[g], panels, planes, q0, Math.min(positions, q0 + chunk), acc, p, n, g);
            });
        }
    }

    private static int inputOffset(ConvGemm.Problem p, int n, int g) {
        int cg = p.channels() / p.group();
        return (n * p.channels() + g * cg) * p.geo().inSize();
    }

    /** Positions [q0, q1) of image n, group g: compute, then finish the real outputs among them into y. */
    private static void chunk(ConvDirectKernel kernel, ConvDirectKernel.Plan plan, float[] w, int panels,
            float[] planes, int q0, int q1, float[] acc, ConvGemm.Problem p, int n, int g) {
        int ld = q1 - q0;
        kernel.compute(plan, w, panels, planes, q0, q1, acc, ld);
        int mg = p.filters() / p.group();
        int phW = plan.phW(), outW = plan.outW(), outSize = plan.outH() * outW;
        int ohEnd = Math.min(plan.outH() - 1, (q1 - 1) / phW);
        for (int m = 0; m < mg; m++) {
            int f = g * mg + m;
            float bias = p.bias() == null ? 0f : p.bias()[f];
            int yPlane = (n * p.filters() + f) * outSize;
            if (phW == outW) {
                // No discarded columns (1x1 kernels): the chunk's outputs are one contiguous run.
                int end = Math.min(q1, outSize);
                if (end > q0) {
                    ConvEpilogue.finish(acc, m * ld, p.y(), yPlane + q0, end - q0, bias, p.residual(), yPlane + q0,
                            p.clamp(), p.lo(), p.hi());
                }
                continue;
            }
            // Rows wholly inside [q0, q1) go in one call; the chunk's first and last rows may be partial.
            int ohFirst = q0 / phW;
            int fullFrom = q0 == ohFirst * phW ? ohFirst : ohFirst + 1;
            int fullTo = Math.min(plan.outH(), Math.floorDiv(q1 - outW, phW) + 1); // rows with oh * phW + outW <= q1
            if (fullTo > fullFrom) {
                int y = yPlane + fullFrom * outW;
                ConvEpilogue.finishRows(acc, m * ld + fullFrom * phW - q0, phW, p.y(), y, fullTo - fullFrom, outW,
                        bias, p.residual(), p.clamp(), p.lo(), p.hi());
            } else {
                fullFrom = fullTo = ohEnd + 1;
            }
            for (int oh = ohFirst; oh <= ohEnd; oh++) {
                if (oh >= fullFrom && oh < fullTo) {
                    continue;
                }
                int ow0 = Math.max(0, q0 - oh * phW);
                int ow1 = Math.min(outW, q1 - oh * phW);
                if (ow1 <= ow0) {
                    continue;
                }
                int y = yPlane + oh * outW + ow0;
                ConvEpilogue.finish(acc, m * ld + oh * phW + ow0 - q0, p.y(), y, ow1 - ow0, bias, p.residual(), y,
                        p.clamp(), p.lo(), p.hi());
            }
        }
    }
}
