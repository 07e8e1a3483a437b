package dev.lowbit.tensor.kernels;

/** {@link Int16GemmLoops} in plain Java: the same wrapping int16 runs, one lane at a time. */
final class ScalarInt16GemmLoops implements Int16GemmLoops {
    private final int nr;

    ScalarInt16GemmLoops(int nr) {
        this.nr = nr;
    }

    @Override
    public int nr() {
        return nr;
    }

    @Override
    public void microKernel(int kb, int run, short[] a, int aOff, short[] b, int bOff, int[] rows, int rOff, int[] c,
            int cOff, int ldc) {
        for (int r = 0; r < MR; r++) {
            for (int j = 0; j < nr; j++) {
                int acc = 0;
                for (int k0 = 0; k0 < kb; k0 += run) {
                    int k1 = Math.min(kb, k0 + run);
                    short s = 0;
                    for (int k = k0; k < k1; k++) {
                        s = (short) (s + (short) (a[aOff + k * MR + r] * b[bOff + rows[rOff + k] + j]));
                    }
                    acc += s;
                }
                c[cOff + r * ldc + j] += acc;
            }
        }
    }
}
