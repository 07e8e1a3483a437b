package dev.lowbit;

/**
 * EasyQuant (Wu et al. 2020): after calibration, each layer's weight scale and then its input's
 * activation scale are searched among multiples of the calibrated ones, keeping what maximises the
 * cosine similarity of the layer's output to float (inputs taken from the already quantized prefix).
 *
 * @param samples         calibration samples each layer is scored on
 * @param weightLow       smallest weight-scale multiplier tried
 * @param weightHigh      largest weight-scale multiplier tried
 * @param activationLow   smallest activation-scale multiplier tried
 * @param activationHigh  largest activation-scale multiplier tried
 * @param heldOutCheck    keep a searched scale only if held-out samples (every other one) confirm it
 *                        beats the calibrated one; false is the paper's plain search
 */
public record EasyQuantOptions(int samples, double weightLow, double weightHigh, double activationLow,
                               double activationHigh, boolean heldOutCheck) {
    /** Multipliers tried per range, evenly spaced. */
    static final int CANDIDATES = 100;

    /**
     * Checks the values.
     *
     * @throws LowbitException for fewer than one sample, or a range that is not 0 &lt; low &lt; high
     */
    public EasyQuantOptions {
        if (samples < 1) {
            throw new LowbitException("EasyQuant needs at least 1 sample, got " + samples);
        }
        checkRange("weight", weightLow, weightHigh);
        checkRange("activation", activationLow, activationHigh);
    }

    /**
     * 50 samples, multipliers 0.5 to 2 for weights and activations, held-out check on.
     *
     * @return the defaults
     */
    public static EasyQuantOptions defaults() {
        return new EasyQuantOptions(50, 0.5, 2, 0.5, 2, true);
    }

    private static void checkRange(String what, double low, double high) {
        if (!(low > 0 && low < high && Double.isFinite(high))) {
            throw new LowbitException("EasyQuant " + what + " scale range must have 0 < low < high, got " + low + ".." + high);
        }
    }
}
