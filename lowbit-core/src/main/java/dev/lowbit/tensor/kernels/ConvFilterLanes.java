package dev.lowbit.tensor.kernels;

import dev.lowbit.tensor.Parallel;

/**
 * Dense 2-D convolution (one group) with the filters in the vector lanes: per image the input is
 * copied once into the zero-bordered phase planes of {@link ConvDirectKernel} (one plane per
 * stride phase, so that consecutive output pixels read consecutive floats for every tap and
 * stride), then tiles of two filter blocks by {@link #PIXELS} output pixels of a row
 * ({@link ConvFilterLanesKernel}) multiply each broadcast input value by weight vectors packed
 * once, and write the finished outputs (bias, residual, clamp) straight into the NCHW output. This
 * is how ONNX Runtime's NCHWc convolution multiplies, without converting the activations to
 * channel blocks. A row's last tile may compute past the output's width (into the planes' next
 * row or slack) and stores only its real pixels.
 */
public final class ConvFilterLanes {
    /** Output pixels per tile. */
    public static final int PIXELS = 7;

    private ConvFilterLanes() {
    }

    /**
     * Whether this path suits a convolution: 2-D, one group, a kernel larger than 1x1 (1x1 ones
     * are GEMMs on the input as it lies), at least two blocks of filters, and output maps of at
     * most 32x32. Measured against the per-position direct kernel and the GEMM (2 threads, in one
     * JVM, ResNet layers): 1.1-1.4x faster on 14x14 and 7x7 maps, 1.0x at 28x28, 0.93x at 56x56
     * and on a 7x7 stem at 112x112, where the direct kernel's long rows serve it well.
     */
    public static boolean suits(ConvGeometry geo, int group, int filters, ConvFilterLanesKernel kernel) {
        return geo.rank() == 2 && group == 1 && geo.kernelSize() > 1 && filters >= 2 * kernel.lanes()
                && geo.outSize() <= 1024;
    }

    /**
     * Weights [filters, depth] as pairs of filter blocks: [pairs][depth][2 * lanes], filters past
     * the last zero.
     */
    public static float[] packWeights(float[] w, int filters, int depth, int lanes) {
        int pairs = pairs(filters, lanes);
        float[] packed = new float[pairs * depth * 2 * lanes];
        for (int f = 0; f < filters; f++) {
            int pair = f / (2 * lanes), j = f % (2 * lanes);
            for (int k = 0; k < depth; k++) {
                packed[(pair * depth + k) * 2 * lanes + j] = w[f * depth + k];
            }
        }
        return packed;
    }

    /** The bias per pair of blocks ([pairs][2 * lanes], zeros past the last filter; all zeros without one). */
    public static float[] packBias(float[] bias, int filters, int lanes) {
        float[] packed = new float[pairs(filters, lanes) * 2 * lanes];
        if (bias != null) {
            System.arraycopy(bias, 0, packed, 0, filters);
        }
        return packed;
    }

    static int pairs(int filters, int lanes) {
        return (filters + 2 * lanes - 1) / (2 * lanes);
    }

    /**
     * y [batch, filters, outH, outW] of x [batch, channels, inH, inW] (floats, or shifted bytes);
     * residual (same shape as y) may
     * be null. Images run in parallel; with fewer images than threads, the rows of one image do.
     */
    public static void run(ConvFilterLanesKernel kernel, ConvDirectKernel.Plan plan, float[] packedW, float[] packedBias,
            ConvDirectKernel.PlaneSource x, int batch, int filters, float[] y, float[] residual, boolean clamp, float lo,
            float hi) {
        int lanes = kernel.lanes();
        int outSize = plan.outH() * plan.outW();
        // Scatter maps: lane l to plane l; in the last pair's partial blocks dead lanes map to 0.
        int pairs = pairs(filters, lanes);
        int[][] lanePlanes = new int[lanes + 1][];
        for (int live = 0; live <= lanes; live++) {
            int[] map = new int[lanes];
            for (int l = 0; l < live; l++) {
                map[l] = l * outSize;
            }
            lanePlanes[live] = map;
        }
        int inSize = plan.inH() * plan.inW();
        int threads = Parallel.threads();
        if (batch >= 2 * threads || threads == 1) {
            Parallel.forEachDynamic(batch, n -> {
                float[] planes = PaddedPlanes.get(plan.planesSize(PIXELS));
                ConvDirectKernel.buildPlanes(plan, x, n * plan.channels() * inSize, planes, PIXELS);
                for (int pair = 0; pair < pairs; pair++) {
                    rows(kernel, plan, packedW, packedBias, planes, pair, 0, plan.outH(), n, filters, y, residual,
                            lanePlanes, clamp, lo, hi);
                }
            });
            return;
        }
        // Few images: one image's (filter pair, rows) items across threads, at least four per thread.
        int wanted = Math.max(1, Math.min(plan.outH(), (4 * threads + pairs - 1) / pairs));
        int rowsPerItem = (plan.outH() + wanted - 1) / wanted;
        int rowChunks = (plan.outH() + rowsPerItem - 1) / rowsPerItem;
        float[] planes = PaddedPlanes.get(plan.planesSize(PIXELS));
        for (int n = 0; n < batch; n++) {
            ConvDirectKernel.buildPlanes(plan, x, n * plan.channels() * inSize, planes, PIXELS);
            int image = n;
            Parallel.forEachDynamic(pairs * rowChunks, item -> {
                int pair = item / rowChunks, r0 = item % rowChunks * rowsPerItem;
                rows(kernel, plan, packedW, packedBias, planes, pair, r0, Math.min(plan.outH(), r0 + rowsPerItem),
                        image, filters, y, residual, lanePlanes, clamp, lo, hi);
            });
        }
    }

    /** Output rows [r0, r1) of one filter pair of image n. */
    private static void rows(ConvFilterLanesKernel kernel, ConvDirectKernel.Plan plan, float[] packedW, float[] packedBias,
            float[] planes, int pair, int r0, int r1, int n, int filters, float[] y, float[] residual, int[][] lanePlanes,
            boolean clamp, float lo, float hi) {
        int lanes = kernel.lanes();
        int depth = plan.depth();
        int outW = plan.outW(), outSize = plan.outH() * outW;
        int f0 = pair * 2 * lanes;
        int liveA = Math.min(lanes, filters - f0), liveB = Math.max(0, Math.min(lanes, filters - f0 - lanes));
        int wOff = pair * depth * 2 * lanes;
        for (int oh = r0; oh < r1; oh++) {
            for (int ow = 0; ow < outW; ow += PIXELS) {
                int yOff = (n * filters + f0) * outSize + oh * outW + ow;
                kernel.tile(depth, packedW, wOff, planes, oh * plan.phW() + ow, plan.offsets(), packedBias,
                        pair * 2 * lanes, residual, y, yOff, outSize, lanePlanes[liveA], lanePlanes[liveB],
                        Math.min(PIXELS, outW - ow), liveA, liveB, clamp, lo, hi);
            }
        }
    }

    /** Each thread's padded planes, grown as needed. */
    private static final class PaddedPlanes {
        private static final ThreadLocal<float[][]> HELD = ThreadLocal.withInitial(() -> new float[1][0]);

        static float[] get(int size) {
            float[][] held = HELD.get();
            if (held[0].length < size) {
                held[0] = new float[size];
            }
            return held[0];
        }
    }
}
