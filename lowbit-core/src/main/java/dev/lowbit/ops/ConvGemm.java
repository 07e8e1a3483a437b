package dev.lowbit.ops;

import dev.lowbit.tensor.Parallel;
import dev.lowbit.tensor.kernels.ConvEpilogue;
import dev.lowbit.tensor.kernels.ConvGeometry;
import dev.lowbit.tensor.kernels.GemmKernel;
import dev.lowbit.tensor.kernels.GemmPacked;
import dev.lowbit.tensor.kernels.Im2colBatch;

/**
 * The GEMM path of Conv, batched across images: per group, Y_g[M/g, batch * outPos] = W_g x col,
 * where col is the im2col of the whole batch (columns of image n are [n * outPos, (n+1) * outPos)).
 * Columns go in chunks whose packed panels (K x chunk) stay in L2 between im2col and GEMM; a chunk
 * may span images, so small feature maps still give the micro-kernel full panels and the weights
 * are read once per chunk instead of once per image.
 *
 * <p>Each chunk's accumulator starts as bias + residual (a fused Add) and is clamped (a fused
 * Relu/Clip) on the way out. A chunk inside one image accumulates straight into the output; one that
 * spans images goes through a scratch tile and is scattered per image.
 */
final class ConvGemm {
    /** Floats of packed columns per chunk: half of a 1 MB L2. */
    private static final int PACKED_BUDGET = 1 << 17;

    /** What one Conv computes: shapes, operands and the fused epilogue. */
    record Problem(ConvGeometry geo, int batch, int channels, int filters, int group, float[] x, GemmPacked[] weights,
            float[] bias, float[] residual, float[] y, boolean clamp, float lo, float hi) {
    }

    private ConvGemm() {
    }

    static void run(GemmKernel gemm, Problem p) {
        int cg = p.channels / p.group;
        int k = cg * p.geo.kernelSize();
        int outSize = p.geo.outSize();
        int total = p.batch * outSize;
        int nr = gemm.nr();
        int threads = Parallel.threads();
        int cap = Math.max(nr, PACKED_BUDGET / Math.max(1, k) / nr * nr);
        // Enough chunks that every thread gets two; when even that is impossible (a few columns, e.g.
        // 1x1 feature maps), take big chunks one after another and let the GEMM split the filters.
        int chunk = Math.min(cap, Math.max(nr, roundUp(ceilDiv(total, 2 * threads), nr)));
        boolean parallelChunks = (long) p.group * ceilDiv(total, chunk) >= 2L * threads || threads == 1;
        if (!parallelChunks) {
            chunk = Math.min(cap, roundUp(total, nr));
        }
        int width = chunk;
        int chunks = ceilDiv(total, width);
        Parallel.RangeBody body = (t0, t1) -> {
            ConvScratch scratch = ConvScratch.get();
            float[] packed = scratch.packed(GemmPacked.size(width, k, nr));
            float[] row = scratch.columns(width);
            for (int t = t0; t < t1; t++) {
                int g = t / chunks;
                int col0 = (t % chunks) * width;
                chunk(gemm, p, g, col0, Math.min(total, col0 + width), row, packed, scratch);
            }
        };
        if (parallelChunks) {
            Parallel.forEachDynamic(p.group * chunks, t -> body.run(t, t + 1));
        } else {
            body.run(0, p.group * chunks);
        }
    }

    private static void chunk(GemmKernel gemm, Problem p, int g, int col0, int col1, float[] row, float[] packed,
            ConvScratch scratch) {
        int cg = p.channels / p.group;
        int mg = p.filters / p.group;
        int inSize = p.geo.inSize();
        int outSize = p.geo.outSize();
        int n = col1 - col0;
        GemmPacked pb = Im2colBatch.pack(p.geo, p.x, g * cg * inSize, p.channels * inSize, cg, col0, col1, gemm, row,
                packed);
        int img = col0 / outSize;
        boolean oneImage = (col1 - 1) / outSize == img;
        if (oneImage) {
            // Accumulate in place: rows of this image's output plane, starting at the chunk's position.
            int yOff = (img * p.filters + g * mg) * outSize + (col0 - img * outSize);
            for (int m = 0; m < mg; m++) {
                int f = g * mg + m;
                ConvEpilogue.init(p.y, yOff + m * outSize, n, p.bias == null ? 0f : p.bias[f], p.residual,
                        yOff + m * outSize);
            }
            gemm.multiply(p.weights[g], pb, 1f, p.y, yOff, outSize);
            if (p.clamp) {
                for (int m = 0; m < mg; m++) {
                    ConvEpilogue.store(p.y, yOff + m * outSize, p.y, yOff + m * outSize, n, true, p.lo, p.hi);
                }
            }
            return;
        }
        float[] tile = scratch.plane(mg * n + 64); // slack: the last row's masked tail stays in the array
        for (int m = 0; m < mg; m++) {
            int f = g * mg + m;
            float b = p.bias == null ? 0f : p.bias[f];
            int tileRow = m * n;
            Im2colBatch.forSegments(outSize, col0, col1, (im, p0, p1, at) -> ConvEpilogue.init(tile, tileRow + at,
                    p1 - p0, b, p.residual, (im * p.filters + f) * outSize + p0));
        }
        gemm.multiply(p.weights[g], pb, 1f, tile, 0, n);
        for (int m = 0; m < mg; m++) {
            int f = g * mg + m;
            int tileRow = m * n;
            Im2colBatch.forSegments(outSize, col0, col1, (im, p0, p1, at) -> ConvEpilogue.store(tile, tileRow + at,
                    p.y, (im * p.filters + f) * outSize + p0, p1 - p0, p.clamp, p.lo, p.hi));
        }
    }

    private static int ceilDiv(int a, int b) {
        return (a + b - 1) / b;
    }

    private static int roundUp(int a, int b) {
        return ceilDiv(a, b) * b;
    }
}
