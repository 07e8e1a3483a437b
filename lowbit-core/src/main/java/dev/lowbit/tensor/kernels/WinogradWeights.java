package dev.lowbit.tensor.kernels;

import static dev.lowbit.tensor.kernels.WinogradInt.EXACT_LIMIT;
import static dev.lowbit.tensor.kernels.WinogradInt.POS;

import java.util.Arrays;

/**
 * The transformed weights of a [cout, cin, 3, 3] 8-bit weight with zero points {@code wz} (1 or
 * cout values), and the GEMM operands packed per input-channel chunking.
 */
public final class WinogradWeights {
    final GemmKernel kernel = Gemm.kernel();
    final int cout;
    final int cin;
    /** U as [pos][co][c]. */
    private final float[] u;
    /** max over (pos, co) of sum_c |U[pos][co][c]|: one chunk suffices when max|V| times this is exact. */
    private final double maxUSum;
    /** max over co of sum_{c,k} |w - wz|: the direct accumulators' bound. */
    final double maxWeightSum;
    /** Per co, sum_{c,k} (w - wz): the centring correction's constants (see {@link WinogradInt}). */
    final int[] weightSums;
    /** sum_k |w - wz| per (co, c), at [co * cin + c]: a chunk's direct accumulators' bound. */
    private final float[] channelSums;
    private volatile Plan plan;

    private WinogradWeights(int cout, int cin, float[] u, double maxUSum, double maxWeightSum, int[] weightSums,
            float[] channelSums) {
        this.cout = cout;
        this.cin = cin;
        this.u = u;
        this.maxUSum = maxUSum;
        this.maxWeightSum = maxWeightSum;
        this.weightSums = weightSums;
        this.channelSums = channelSums;
    }

    public int outChannels() {
        return cout;
    }

    /**
     * The chunking and packed U for inputs whose transform is bounded by {@code maxV} (4 max|x - c|);
     * null when one channel alone passes a bound. Within a chunk both the GEMM sums
     * ({@code maxV * sum_c |U|}) and the chunk's direct accumulators ({@code max|x - c| * sum_{c,k} |w - wz|})
     * stay exact; the second lets {@link WinogradInt#convolveInts} add chunks in int32 when the
     * whole reduction does not fit float. Cached: the last plan is reused while its chunks fit.
     */
    Plan plan(int maxV) {
        Plan p = plan;
        if (p != null && p.maxV() == maxV) {
            return p;
        }
        boolean oneChunk = (double) maxV * maxUSum <= EXACT_LIMIT && maxV / 4d * maxWeightSum <= EXACT_LIMIT;
        int[] bounds = oneChunk ? new int[] {0, cin} : chunkBounds(maxV);
        if (bounds == null) {
            return null;
        }
        GemmPacked[][] packed = p != null && Arrays.equals(p.bounds(), bounds) ? p.packed() : pack(bounds);
        p = new Plan(maxV, bounds, packed);
        plan = p;
        return p;
    }

    /**
     * Greedy chunks of input channels: each as long as every (pos, co) sum of |U| times maxV, and
     * every co's sum of |w - wz| times maxV / 4, stays exact.
     */
    private int[] chunkBounds(int maxV) {
        double limit = EXACT_LIMIT / maxV;
        double directLimit = EXACT_LIMIT / (maxV / 4d);
        double[] run = new double[POS * cout];
        double[] direct = new double[cout];
        int[] bounds = new int[cin + 1];
        int chunks = 0;
        for (int c = 0; c < cin; c++) {
            if (!fitsIn(run, direct, c, limit, directLimit)) {
                if (c == bounds[chunks]) {
                    return null;
                }
                bounds[++chunks] = c;
                Arrays.fill(run, 0);
                Arrays.fill(direct, 0);
                if (!fitsIn(run, direct, c, limit, directLimit)) {
                    return null;
                }
            }
            for (int r = 0; r < POS * cout; r++) {
                run[r] += Math.abs(u[r * cin + c]);
            }
            for (int co = 0; co < cout; co++) {
                direct[co] += channelSums[co * cin + c];
            }
        }
        bounds[++chunks] = cin;
        return Arrays.copyOf(bounds, chunks + 1);
    }

    private boolean fitsIn(double[] run, double[] direct, int c, double limit, double directLimit) {
        for (int r = 0; r < run.length; r++) {
            if (run[r] + Math.abs(u[r * cin + c]) > limit) {
                return false;
            }
        }
        for (int co = 0; co < cout; co++) {
            if (direct[co] + channelSums[co * cin + c] > directLimit) {
                return false;
            }
        }
        return true;
    }

    private GemmPacked[][] pack(int[] bounds) {
        GemmPacked[][] out = new GemmPacked[bounds.length - 1][POS];
        for (int ch = 0; ch < out.length; ch++) {
            for (int pos = 0; pos < POS; pos++) {
                out[ch][pos] = GemmPacking.packA(kernel, false, cout, bounds[ch + 1] - bounds[ch], u,
                        pos * cout * cin + bounds[ch], cin, null);
            }
        }
        return out;
    }


    /** Input-channel chunks {@code [bounds[i], bounds[i+1])} and U packed per chunk and position. */
    record Plan(int maxV, int[] bounds, GemmPacked[][] packed) {
        int maxDepth() {
            int d = 0;
            for (int i = 1; i < bounds.length; i++) {
                d = Math.max(d, bounds[i] - bounds[i - 1]);
            }
            return d;
        }
    }

    /** U = G2 (w - wz) G2^T for every filter, with the bounds the exactness checks need. */
    public static WinogradWeights prepare(byte[] w, boolean wUnsigned, int[] wz, int cout, int cin) {
        float[] u = new float[POS * cout * cin];
        double[] uSums = new double[POS * cout];
        double maxWeightSum = 0;
        int[] weightSums = new int[cout];
        float[] channelSums = new float[cout * cin];
        int[] g = new int[9];
        int[] t = new int[12];
        for (int co = 0; co < cout; co++) {
            int z = wz.length == 1 ? wz[0] : wz[co];
            double weightSum = 0;
            for (int c = 0; c < cin; c++) {
                int src = (co * cin + c) * 9;
                for (int k = 0; k < 9; k++) {
                    g[k] = IntGemm.widen(w[src + k], wUnsigned) - z;
                    weightSum += Math.abs(g[k]);
                    channelSums[co * cin + c] += Math.abs(g[k]);
                    weightSums[co] += g[k];
                }
                for (int j = 0; j < 3; j++) { // t = G2 g (4 x 3)
                    t[j] = 2 * g[j];
                    t[3 + j] = g[j] + g[3 + j] + g[6 + j];
                    t[6 + j] = g[j] - g[3 + j] + g[6 + j];
                    t[9 + j] = 2 * g[6 + j];
                }
                for (int i = 0; i < 4; i++) { // U = t G2^T (4 x 4)
                    int a = t[3 * i];
                    int b = t[3 * i + 1];
                    int d = t[3 * i + 2];
                    int[] row = {2 * a, a + b + d, a - b + d, 2 * d};
                    for (int j = 0; j < 4; j++) {
                        int pos = 4 * i + j;
                        u[(pos * cout + co) * cin + c] = row[j];
                        uSums[pos * cout + co] += Math.abs(row[j]);
                    }
                }
            }
            maxWeightSum = Math.max(maxWeightSum, weightSum);
        }
        return new WinogradWeights(cout, cin, u, Arrays.stream(uSums).max().orElse(0), maxWeightSum, weightSums,
                channelSums);
    }
}
