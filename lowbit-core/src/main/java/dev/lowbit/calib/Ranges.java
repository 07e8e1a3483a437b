package dev.lowbit.calib;

import dev.lowbit.LowbitException;
import dev.lowbit.quant.QuantParams;
import dev.lowbit.quant.QuantScheme;

import java.util.Arrays;

/**
 * Calibrated float ranges: one [min, max] pair per tensor, or one per channel.
 *
 * @param nonFinite how many NaN/infinite values were excluded while calibrating
 */
public record Ranges(float[] mins, float[] maxs, long nonFinite) {
    public Ranges {
        if (mins.length != maxs.length || mins.length == 0) {
            throw new LowbitException("ranges need as many minimums as maximums (>= 1), got "
                    + mins.length + " and " + maxs.length);
        }
    }

    public static Ranges of(float min, float max, long nonFinite) {
        return new Ranges(new float[] {min}, new float[] {max}, nonFinite);
    }

    /** A symmetric range [-amax, amax]. */
    public static Ranges symmetric(float amax, long nonFinite) {
        return of(-amax, amax, nonFinite);
    }

    public int channels() {
        return mins.length;
    }

    public float min() {
        return mins[0];
    }

    public float max() {
        return maxs[0];
    }

    /** max(|min|, |max|) of channel {@code c}. */
    public float amax(int c) {
        return Math.max(Math.abs(mins[c]), Math.abs(maxs[c]));
    }

    /** Quantization parameters for these ranges under {@code scheme}. */
    public QuantParams toParams(QuantScheme scheme) {
        if (scheme.perChannel()) {
            return QuantParams.fromRanges(scheme, mins, maxs);
        }
        if (mins.length != 1) {
            throw new LowbitException("per-tensor scheme " + scheme + " given " + mins.length + " channel ranges");
        }
        return QuantParams.fromRange(scheme, mins[0], maxs[0]);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Ranges r && Arrays.equals(mins, r.mins) && Arrays.equals(maxs, r.maxs)
                && nonFinite == r.nonFinite;
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(mins) * 31 + Arrays.hashCode(maxs);
    }

    @Override
    public String toString() {
        return mins.length == 1 ? "[" + mins[0] + ", " + maxs[0] + "]"
                : "Ranges(" + Arrays.toString(mins) + ", " + Arrays.toString(maxs) + ")";
    }
}
