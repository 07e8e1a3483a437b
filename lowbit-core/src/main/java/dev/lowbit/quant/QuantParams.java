package dev.lowbit.quant;

import dev.lowbit.LowbitException;

import java.util.Arrays;

/**
 * Scales and zero points of a quantized tensor: one entry per tensor, or one per channel along
 * {@code axis}. Built from float ranges by {@link #fromRange} / {@link #fromRanges}; every scale is
 * finite and positive whatever the range (all-zero, empty, NaN or infinite bounds).
 */
public record QuantParams(float[] scales, int[] zeroPoints, int axis, QuantScheme scheme) {

    /** Scale used when a range is empty (min == max == 0): any value then quantizes to the zero point. */
    public static final float DEGENERATE_SCALE = 1.0f;

    public QuantParams {
        if (scales.length != zeroPoints.length || scales.length == 0) {
            throw new LowbitException("quantization params need as many zero points as scales (>= 1), got "
                    + scales.length + " scales and " + zeroPoints.length + " zero points");
        }
        for (int i = 0; i < scales.length; i++) {
            if (!(scales[i] > 0) || Float.isInfinite(scales[i])) {
                throw new LowbitException("quantization scale " + i + " must be finite and > 0, got " + scales[i]);
            }
            if (zeroPoints[i] < scheme.qmin() || zeroPoints[i] > scheme.qmax()) {
                throw new LowbitException("zero point " + zeroPoints[i] + " is outside " + scheme);
            }
        }
    }

    /** Per-tensor parameters from the observed range [min, max]. */
    public static QuantParams fromRange(QuantScheme scheme, float min, float max) {
        float[] s = new float[1];
        int[] z = new int[1];
        compute(scheme, min, max, s, z, 0);
        return new QuantParams(s, z, scheme.axis(), scheme);
    }

    /** Per-channel parameters (one per entry of {@code mins}/{@code maxs}) along the scheme's axis. */
    public static QuantParams fromRanges(QuantScheme scheme, float[] mins, float[] maxs) {
        if (mins.length != maxs.length) {
            throw new LowbitException("per-channel ranges need as many minimums as maximums, got "
                    + mins.length + " and " + maxs.length);
        }
        float[] s = new float[mins.length];
        int[] z = new int[mins.length];
        for (int c = 0; c < mins.length; c++) {
            compute(scheme, mins[c], maxs[c], s, z, c);
        }
        return new QuantParams(s, z, scheme.axis(), scheme);
    }

    public int channels() {
        return scales.length;
    }

    public boolean perTensor() {
        return scales.length == 1 && !scheme.perChannel();
    }

    /** Replaces NaN by 0 and infinities by the largest finite float of the same sign. */
    private static double sanitize(float v) {
        if (Float.isNaN(v)) {
            return 0;
        }
        if (Float.isInfinite(v)) {
            return v > 0 ? Float.MAX_VALUE : -Float.MAX_VALUE;
        }
        return v;
    }

    private static void compute(QuantScheme scheme, float rawMin, float rawMax, float[] s, int[] z, int i) {
        double min = sanitize(rawMin);
        double max = sanitize(rawMax);
        if (min > max) { // an observer that saw nothing may report (+big, -big)
            double t = min;
            min = max;
            max = t;
        }
        int qmin = scheme.qmin();
        int qmax = scheme.qmax();
        double scale;
        int zero;
        if (scheme.symmetric()) {
            // amax maps to qmax exactly; for full-range signed types the code qmin stays reachable
            // only by values beyond -amax, which saturate there.
            double amax = Math.max(Math.abs(min), Math.abs(max));
            scale = amax / qmax;
            zero = 0;
        } else {
            // The range always contains 0 so that zero (padding, ReLU) is exactly representable.
            double lo = Math.min(min, 0);
            double hi = Math.max(max, 0);
            scale = (hi - lo) / ((double) qmax - qmin);
            zero = qmin;
            if (scale > 0) {
                double zp = qmin - Math.rint(lo / scale);
                zero = (int) Math.max(qmin, Math.min(qmax, zp));
            }
        }
        float fs = (float) scale;
        if (!(fs > 0)) {
            fs = scale > 0 ? Float.MIN_NORMAL : DEGENERATE_SCALE;
            if (scale == 0) {
                zero = 0; // empty range: the value 0 must quantize to itself
            }
        } else if (Float.isInfinite(fs)) {
            fs = Float.MAX_VALUE;
        } else if (fs < Float.MIN_NORMAL) {
            fs = Float.MIN_NORMAL;
        }
        s[i] = fs;
        z[i] = zero;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof QuantParams p && Arrays.equals(scales, p.scales) && Arrays.equals(zeroPoints, p.zeroPoints)
                && axis == p.axis && scheme.equals(p.scheme);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(scales) + Arrays.hashCode(zeroPoints);
    }

    @Override
    public String toString() {
        return "QuantParams(" + scheme + ", scales=" + Arrays.toString(scales) + ", zeroPoints="
                + Arrays.toString(zeroPoints) + ")";
    }
}
