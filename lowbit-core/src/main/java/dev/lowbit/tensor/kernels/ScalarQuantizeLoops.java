package dev.lowbit.tensor.kernels;

/** Quantization runs in plain Java: the scalar definitions, element by element. */
final class ScalarQuantizeLoops implements QuantizeLoops {
    @Override
    public void quantize(float[] x, int xOff, int n, float scale, int zp, int qmin, int qmax, int[] out, int outOff) {
        float lo = qmin - zp;
        float hi = qmax - zp;
        for (int i = 0; i < n; i++) {
            out[outOff + i] = IntQuantize.round(Math.min(Math.max(x[xOff + i] / scale, lo), hi), zp);
        }
    }

    @Override
    public void quantizeToBytes(float[] x, int xOff, int n, float scale, int zp, int qmin, int qmax, byte[] out, int outOff) {
        float lo = qmin - zp;
        float hi = qmax - zp;
        for (int i = 0; i < n; i++) {
            out[outOff + i] = (byte) IntQuantize.round(Math.min(Math.max(x[xOff + i] / scale, lo), hi), zp);
        }
    }

    @Override
    public void requantize(int[] acc, int accOff, int n, int add, float multiplier, int zp, int qmin, int qmax,
            int[] out, int outOff) {
        float lo = qmin - zp;
        float hi = qmax - zp;
        for (int i = 0; i < n; i++) {
            float v = (float) (acc[accOff + i] + add) * multiplier;
            out[outOff + i] = IntQuantize.round(Math.min(Math.max(v, lo), hi), zp);
        }
    }

    @Override
    public void requantizeToBytes(int[] acc, int accOff, int n, int add, float multiplier, int zp, int qmin, int qmax,
            byte[] out, int outOff) {
        float lo = qmin - zp;
        float hi = qmax - zp;
        for (int i = 0; i < n; i++) {
            float v = (float) (acc[accOff + i] + add) * multiplier;
            out[outOff + i] = (byte) IntQuantize.round(Math.min(Math.max(v, lo), hi), zp);
        }
    }

    @Override
    public void requantizeToBytes(float[] acc, int accOff, int n, int add, float multiplier, int zp, int qmin, int qmax,
            byte[] out, int outOff) {
        float lo = qmin - zp;
        float hi = qmax - zp;
        for (int i = 0; i < n; i++) {
            float v = (float) ((int) acc[accOff + i] + add) * multiplier;
            out[outOff + i] = (byte) IntQuantize.round(Math.min(Math.max(v, lo), hi), zp);
        }
    }

    @Override
    public void linearAddToBytes(byte[] a, int ao, byte[] b, int bo, int n, boolean unsigned, float ra, float rb,
            float fixed, byte[] out, int oo) {
        int mask = unsigned ? 0xFF : -1;
        int qmin = unsigned ? 0 : -128;
        int qmax = unsigned ? 255 : 127;
        for (int i = 0; i < n; i++) {
            float c = Math.fma((float) (a[ao + i] & mask), ra, Math.fma((float) (b[bo + i] & mask), rb, fixed));
            out[oo + i] = (byte) Math.min(Math.max((int) Math.rint(c), qmin), qmax);
        }
    }

    @Override
    public void requantizeShifted(float[] y, int off, int n, float[] scale, int sOff, int lanes, float lo, float hi) {
        for (int i = 0; i < n; i++) {
            float v = y[off + i] * scale[sOff + i % lanes];
            y[off + i] = (float) Math.rint(Math.min(Math.max(v, lo), hi)) + 0f;
        }
    }

    @Override
    public void linearAddShifted(float[] a, int ao, float[] b, int bo, int n, float za, float zb, float ra, float rb,
            float fixed, float qmin, float qmax, float zc, float[] out, int oo) {
        for (int i = 0; i < n; i++) {
            float c = Math.fma(a[ao + i] + za, ra, Math.fma(b[bo + i] + zb, rb, fixed));
            out[oo + i] = (float) Math.rint(Math.min(Math.max(c, qmin), qmax)) + 0f - zc;
        }
    }

    @Override
    public void shiftedFloats(byte[] x, int xOff, int n, boolean unsigned, int zp, float[] out, int outOff) {
        int mask = unsigned ? 0xFF : -1;
        for (int i = 0; i < n; i++) {
            out[outOff + i] = (x[xOff + i] & mask) - zp;
        }
    }

    @Override
    public void fakeQuantize(float[] src, int off, int len, float[] dst, int dstOff, float scale, float lo, float hi) {
        for (int i = 0; i < len; i++) {
            dst[dstOff + i] = FakeQuantKernels.scalar(src[off + i], scale, lo, hi);
        }
    }

    @Override
    public void fakeQuantizeChannels(float[] src, float[] dst, int off, int channels, float[] scales, float[] lo,
            float[] hi) {
        for (int c = 0; c < channels; c++) {
            dst[off + c] = FakeQuantKernels.scalar(src[off + c], scales[c], lo[c], hi[c]);
        }
    }
}
