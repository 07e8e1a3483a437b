package dev.lowbit;

import dev.lowbit.ptq.BiasCorrection;

/**
 * Bias correction: rounding weights shifts each layer's mean output; the bias takes the shift back
 * (b ← b − (W̃ − W)·E[x]). Which E[x] is used decides the mode.
 */
public enum BiasCorrectionMode {
    /** No correction. The default. */
    OFF,
    /** E[x] measured on the calibration data. */
    EMPIRICAL,
    /** E[x] derived from BatchNormalization statistics through ReLU, without data (the DFQ paper's way). */
    ANALYTIC;

    /**
     * The correction named {@code empirical} (or empty) or {@code analytic}, as the command line names it.
     *
     * @param name the name, in any case
     * @return the mode
     * @throws LowbitException for another name
     */
    public static BiasCorrectionMode parse(String name) {
        return valueOf(BiasCorrection.Mode.parse(name).name());
    }
}
