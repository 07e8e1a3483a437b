package dev.lowbit.tensor.kernels;

import dev.lowbit.tensor.Parallel;
import java.util.Arrays;

/**
 * Integer matrix multiply for quantized ops: {@code C[m][n] = sum_k (A[m][k] - za[m]) * (B[k][n] - zb[n])}
 * with 8-bit A (signed or unsigned), int32 accumulation and exact (wrapping int32) results.
 *
 * <p>B is first widened once into an int matrix with its zero points already subtracted
 * ({@link #packB}); the multiply then runs an int32 axpy over rows of packed B (the provider's
 * {@link IntGemmLoops}, int vectors when the Vector API is available). Exactness holds because every
 * product and partial sum is an integer (int32 arithmetic is associative under wrap-around).
 */
public final class IntGemm {
    private static final IntGemmLoops LOOPS = VectorizationProvider.get().intGemm();

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
                    Arrays.fill(c, cOff + i * n + c0, cOff + i * n + c1, 0);
                }
                for (int p0 = 0; p0 < k; p0 += K_BLOCK) {
                    int p1 = Math.min(k, p0 + K_BLOCK);
                    int i = r0;
                    for (; i + 4 <= r1; i += 4) {
                        LOOPS.accumulate4(aw, (i - r0) * k, k, p0, p1, packedB, n, c0, c1, c, cOff + i * n);
                    }
                    for (; i < r1; i++) {
                        LOOPS.accumulate(aw, (i - r0) * k, p0, p1, packedB, n, c0, c1, c, cOff + i * n);
                    }
                }
            }
        });
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
