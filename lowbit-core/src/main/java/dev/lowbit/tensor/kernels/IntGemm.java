package dev.lowbit.tensor.kernels;

import dev.lowbit.tensor.Parallel;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Integer matrix multiply for quantized ops: {@code C[m][n] = sum_k (A[m][k] - za[m]) * (B[k][n] - zb[n])}
 * with 8-bit A (signed or unsigned), int32 accumulation and exact (wrapping int32) results.
 *
 * <p>B is first widened once into an int matrix with its zero points already subtracted
 * ({@link #packB}); the multiply then runs an int32 axpy over rows of packed B, which vectorises
 * with {@link IntVector}. Exactness holds because every product and partial sum is an integer
 * (int32 arithmetic is associative under wrap-around).
 */
public final class IntGemm {
    private static final VectorSpecies<Integer> SPECIES = IntVector.SPECIES_PREFERRED;

    private IntGemm() {
    }

    /** The value of byte {@code v} read as signed or unsigned 8-bit. */
    public static int widen(byte v, boolean unsigned) {
        return unsigned ? v & 0xFF : v;
    }

    /**
     * Widens the K x N row-major 8-bit matrix at {@code b[off..]} to int and subtracts the
     * per-column zero points ({@code zeroPoints} of length 1 = per tensor, or N).
     */
    public static int[] packB(byte[] b, int off, boolean unsigned, int k, int n, int[] zeroPoints) {
        int[] out = new int[k * n];
        for (int r = 0; r < k; r++) {
            int row = off + r * n;
            for (int c = 0; c < n; c++) {
                int z = zeroPoints.length == 1 ? zeroPoints[0] : zeroPoints[c];
                out[r * n + c] = widen(b[row + c], unsigned) - z;
            }
        }
        return out;
    }

    /** Columns per tile: a B tile of K_BLOCK x N_BLOCK ints (128 KiB) stays in L2 while rows stream past it. */
    private static final int N_BLOCK = 256;
    private static final int K_BLOCK = 128;
    /** Rows per task: enough to reuse each B tile several times. */
    private static final int ROW_GROUP = 8;

    /**
     * {@code c[cOff..] = (A - za) x packedB} for the M x K 8-bit matrix at {@code a[aOff..]};
     * {@code aZeroPoints} has length 1 (per tensor) or M (per row). Tasks are (row group, column
     * block) pairs, so even a single row (M = 1) spreads over the cores.
     */
    public static void multiply(byte[] a, int aOff, boolean aUnsigned, int[] aZeroPoints, int m, int k,
                                int[] packedB, int n, int[] c, int cOff) {
        int colBlocks = Math.max(1, (n + N_BLOCK - 1) / N_BLOCK);
        int rowGroups = (m + ROW_GROUP - 1) / ROW_GROUP;
        int tasks = rowGroups * colBlocks;
        long work = (long) m * k * n;
        int grain = work < (1 << 16) ? Math.max(1, tasks) : 1;
        Parallel.forRange(tasks, grain, (start, end) -> {
            int[] aw = new int[ROW_GROUP * k];
            for (int t = start; t < end; t++) {
                int r0 = (t / colBlocks) * ROW_GROUP;
                int r1 = Math.min(m, r0 + ROW_GROUP);
                int c0 = (t % colBlocks) * N_BLOCK;
                int c1 = Math.min(n, c0 + N_BLOCK);
                for (int i = r0; i < r1; i++) {
                    int za = aZeroPoints.length == 1 ? aZeroPoints[0] : aZeroPoints[i];
                    int src = aOff + i * k;
                    int dst = (i - r0) * k;
                    for (int p = 0; p < k; p++) {
                        aw[dst + p] = widen(a[src + p], aUnsigned) - za;
                    }
                    java.util.Arrays.fill(c, cOff + i * n + c0, cOff + i * n + c1, 0);
                }
                for (int p0 = 0; p0 < k; p0 += K_BLOCK) {
                    int p1 = Math.min(k, p0 + K_BLOCK);
                    int i = r0;
                    for (; i + 4 <= r1; i += 4) {
                        accumulate4(aw, (i - r0) * k, k, p0, p1, packedB, n, c0, c1, c, cOff + i * n);
                    }
                    for (; i < r1; i++) {
                        accumulate(aw, (i - r0) * k, p0, p1, packedB, n, c0, c1, c, cOff + i * n);
                    }
                }
            }
        });
    }

    /**
     * {@link #accumulate} for four consecutive rows at once: each vector of B is loaded once and
     * feeds four accumulators that stay in registers across the whole K block.
     */
    private static void accumulate4(int[] aw, int aRow, int k, int p0, int p1, int[] b, int n, int c0, int c1,
                                    int[] c, int cRow) {
        int bound = c0 + SPECIES.loopBound(c1 - c0);
        int j = c0;
        for (; j < bound; j += SPECIES.length()) {
            IntVector acc0 = IntVector.fromArray(SPECIES, c, cRow + j);
            IntVector acc1 = IntVector.fromArray(SPECIES, c, cRow + n + j);
            IntVector acc2 = IntVector.fromArray(SPECIES, c, cRow + 2 * n + j);
            IntVector acc3 = IntVector.fromArray(SPECIES, c, cRow + 3 * n + j);
            for (int p = p0; p < p1; p++) {
                IntVector bv = IntVector.fromArray(SPECIES, b, p * n + j);
                acc0 = acc0.add(bv.mul(aw[aRow + p]));
                acc1 = acc1.add(bv.mul(aw[aRow + k + p]));
                acc2 = acc2.add(bv.mul(aw[aRow + 2 * k + p]));
                acc3 = acc3.add(bv.mul(aw[aRow + 3 * k + p]));
            }
            acc0.intoArray(c, cRow + j);
            acc1.intoArray(c, cRow + n + j);
            acc2.intoArray(c, cRow + 2 * n + j);
            acc3.intoArray(c, cRow + 3 * n + j);
        }
        for (; j < c1; j++) {
            for (int r = 0; r < 4; r++) {
                int sum = c[cRow + r * n + j];
                for (int p = p0; p < p1; p++) {
                    sum += aw[aRow + r * k + p] * b[p * n + j];
                }
                c[cRow + r * n + j] = sum;
            }
        }
    }

    /** {@code c[cRow + j] += sum_{p in [p0,p1)} aw[aRow + p] * b[p*n + j]} for j in [c0, c1), with int vectors. */
    private static void accumulate(int[] aw, int aRow, int p0, int p1, int[] b, int n, int c0, int c1, int[] c, int cRow) {
        int width = c1 - c0;
        int bound = c0 + SPECIES.loopBound(width);
        for (int p = p0; p < p1; p++) {
            int av = aw[aRow + p];
            if (av == 0) {
                continue;
            }
            int brow = p * n;
            int j = c0;
            for (; j < bound; j += SPECIES.length()) {
                IntVector acc = IntVector.fromArray(SPECIES, c, cRow + j);
                IntVector bv = IntVector.fromArray(SPECIES, b, brow + j);
                acc.add(bv.mul(av)).intoArray(c, cRow + j);
            }
            for (; j < c1; j++) {
                c[cRow + j] += av * b[brow + j];
            }
        }
    }

    /** Scalar reference of {@link #multiply} straight from the definition, for tests. */
    public static void multiplyReference(byte[] a, int aOff, boolean aUnsigned, int[] aZeroPoints, int m, int k,
                                         byte[] b, int bOff, boolean bUnsigned, int[] bZeroPoints, int n,
                                         int[] c, int cOff) {
        for (int i = 0; i < m; i++) {
            int za = aZeroPoints.length == 1 ? aZeroPoints[0] : aZeroPoints[i];
            for (int j = 0; j < n; j++) {
                int zb = bZeroPoints.length == 1 ? bZeroPoints[0] : bZeroPoints[j];
                int acc = 0;
                for (int p = 0; p < k; p++) {
                    acc += (widen(a[aOff + i * k + p], aUnsigned) - za) * (widen(b[bOff + p * n + j], bUnsigned) - zb);
                }
                c[cOff + i * n + j] = acc;
            }
        }
    }
}
