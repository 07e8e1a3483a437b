package dev.lowbit;

/** When activations are quantized: ahead of time from calibration data, or while the model runs. */
public enum Mode {
    /**
     * Static post-training quantization: activation ranges are calibrated on sample data, so every
     * quantized op runs on integers end to end. Needs {@link QuantizeOptions.Builder#calibrationData}.
     */
    STATIC,
    /**
     * Dynamic quantization: int8 weights for MatMul/Gemm and embedding tables, activations
     * quantized at run time (DynamicQuantizeLinear, as ONNX Runtime's {@code quantize_dynamic}).
     * Needs no data; convolutions stay float.
     */
    DYNAMIC
}
