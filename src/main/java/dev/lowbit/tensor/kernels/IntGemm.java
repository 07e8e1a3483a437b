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

    /**
     * {@code c[cOff..] = (A - za) x packedB} for the M x K 8-bit matrix at {@code a[aOff..]};
     * {@code aZeroPoints} has length 1 (per tensor) or M (per row). Rows run in parallel.
     */
    public static void multiply(byte[] a, int aOff, boolean aUnsigned, int[] aZeroPoints, int m, int k,
                                int[] packedB, int n, int[] c, int cOff) {
        Parallel.forRange(m, Math.max(1, 16384 / Math.max(1, k * n)), (start, end) -> {
            int[] arow = new int[k];
            for (int i = start; i < end; i++) {
                int za = aZeroPoints.length == 1 ? aZeroPoints[0] : aZeroPoints[i];
                for (int p = 0; p < k; p++) {
                    arow[p] = widen(a[aOff + i * k + p], aUnsigned) - za;
                }
                rowTimesMatrix(arow, packedB, k, n, c, cOff + i * n);
            }
        });
    }

    /** {@code c[cOff..cOff+n) = sum_p arow[p] * b[p*n ..]} using int vectors. */
    static void rowTimesMatrix(int[] arow, int[] b, int k, int n, int[] c, int cOff) {
        int bound = SPECIES.loopBound(n);
        java.util.Arrays.fill(c, cOff, cOff + n, 0);
        for (int p = 0; p < k; p++) {
            int av = arow[p];
            if (av == 0) {
                continue;
            }
            int brow = p * n;
            int j = 0;
            for (; j < bound; j += SPECIES.length()) {
                IntVector acc = IntVector.fromArray(SPECIES, c, cOff + j);
                IntVector bv = IntVector.fromArray(SPECIES, b, brow + j);
                acc.add(bv.mul(av)).intoArray(c, cOff + j);
            }
            for (; j < n; j++) {
                c[cOff + j] += av * b[brow + j];
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
