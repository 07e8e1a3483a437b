package dev.lowbit;

/**
 * How an activation's range is chosen from what calibration observed. Graph outputs (logits) always
 * keep their observed min/max: clipping the largest logit changes the predicted class.
 */
public enum CalibrationMethod {
    /** The observed minimum and maximum. The default, and right for most CNNs at 8 bits. */
    MINMAX,
    /** A moving average of each batch's minimum and maximum: less sensitive to one outlier batch. */
    EMA,
    /** A percentile of |x| (set with {@link QuantizeOptions.Builder#percentile}, default 99.99): clips rare outliers. */
    PERCENTILE,
    /** The clipping threshold that minimises the KL divergence of the quantized histogram, as TensorRT calibrates. */
    ENTROPY,
    /** The clipping range that minimises the mean squared quantization error. */
    MSE,
    /**
     * Tries every other method (percentiles 99.9, 99.99 and 99.999) and keeps the one whose
     * quantized model is closest to float (output SQNR) on calibration samples held out for it.
     */
    BEST
}
