/*
 * Can plain Java reach the CPU's int16 dot-product instructions (VPMADDWD, VPDPWSSD on AVX-512 VNNI)?
 * The Vector API has no such operation; HotSpot's C2 recognises one loop shape (MulAddS2I):
 * out[j] += a[2j] * b[2j] + a[2j+1] * b[2j+1] over short arrays, an int accumulator kept in memory.
 * This probe times that shape, the same with four pairs per pass (not recognised), dot-product
 * reductions (not vectorised) and a float multiply-add loop of the same memory shape, in GMAC/s on
 * one core. Run: java tools/experiments/C2DotProductProbe.java   (any JDK 17+; no flags needed)
 *
 * Measured on the AMD EPYC (Zen 4, AVX-512 VNNI) of issue 12, JDK 25: memory accumulator 11.7,
 * four pairs 1.9, reductions 2.2-2.6, float memory loop 6.8 GMAC/s; lowbit's register-tiled float
 * GEMM kernel runs at about 50 GMAC/s on the same core. So the recognised shape cannot feed a
 * register-tiled int8 kernel, and int8 in lowbit's engine stays on float FMA (see README, "Why int8
 * is not faster than float32").
 */
public class C2DotProductProbe {
    static void memoryAccumulator(int[] c, short[] a, short[] b, int n) {
        for (int j = 0; j < n; j++) {
            c[j] += a[2 * j] * b[2 * j] + a[2 * j + 1] * b[2 * j + 1];
        }
    }

    static void fourPairs(int[] c, short[] a, short[] b0, short[] b1, short[] b2, short[] b3, int n) {
        for (int j = 0; j < n; j++) {
            int s = c[j];
            s += a[2 * j] * b0[2 * j] + a[2 * j + 1] * b0[2 * j + 1];
            s += a[2 * j] * b1[2 * j] + a[2 * j + 1] * b1[2 * j + 1];
            s += a[2 * j] * b2[2 * j] + a[2 * j + 1] * b2[2 * j + 1];
            s += a[2 * j] * b3[2 * j] + a[2 * j + 1] * b3[2 * j + 1];
            c[j] = s;
        }
    }

    static int reduction(short[] a, short[] b, int pairs) {
        int s = 0;
        for (int k = 0; k < pairs; k++) {
            s += a[2 * k] * b[2 * k] + a[2 * k + 1] * b[2 * k + 1];
        }
        return s;
    }

    static void floatMemory(float[] c, float[] a, float[] b, int n) {
        for (int j = 0; j < n; j++) {
            c[j] += a[j] * b[j];
        }
    }

    public static void main(String[] args) {
        int n = 256, reps = 2_000_000;
        short[] a = new short[2 * n], b = new short[2 * n];
        short[] b1 = new short[2 * n], b2 = new short[2 * n], b3 = new short[2 * n];
        for (int i = 0; i < 2 * n; i++) {
            a[i] = (short) (i % 13 - 6);
            b[i] = (short) (i % 7 - 3);
            b1[i] = (short) (i % 5 - 2);
            b2[i] = (short) (i % 11 - 5);
            b3[i] = (short) (i % 3 - 1);
        }
        int[] c = new int[n];
        float[] fc = new float[n], fa = new float[n], fb = new float[n];
        long check = 0;
        for (int round = 0; round < 5; round++) {
            long t = System.nanoTime();
            for (int r = 0; r < reps; r++) {
                memoryAccumulator(c, a, b, n);
            }
            double mem = 2.0 * n * reps / (System.nanoTime() - t);
            t = System.nanoTime();
            for (int r = 0; r < reps / 4; r++) {
                fourPairs(c, a, b, b1, b2, b3, n); // distinct arrays: the same one four times lets C2 share the loads
            }
            double four = 2.0 * n * reps / (System.nanoTime() - t);
            t = System.nanoTime();
            for (int r = 0; r < reps; r++) {
                check += reduction(a, b, n);
            }
            double red = 2.0 * n * reps / (System.nanoTime() - t);
            t = System.nanoTime();
            for (int r = 0; r < reps; r++) {
                floatMemory(fc, fa, fb, n);
            }
            double flt = 1.0 * n * reps / (System.nanoTime() - t);
            System.out.printf("GMAC/s on one core: int16 pairs, memory accumulator %.1f; four pairs a pass %.1f;"
                    + " reduction %.1f; float memory loop %.1f%n", mem, four, red, flt);
        }
        System.out.println("(checksum " + (check + c[3]) + ")");
    }
}
