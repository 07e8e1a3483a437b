package dev.lowbit;

import dev.lowbit.quant.BackendProfile;

/**
 * The runtime a quantized model is meant for. Each profile allows only the quantization schemes its
 * runtime executes with integer kernels, and picks them when no explicit {@link Scheme} is given.
 */
public enum Backend {
    /** ONNX Runtime: int8 symmetric per-channel weights, uint8 asymmetric per-tensor activations. The default. */
    ONNXRUNTIME,
    /** TensorRT: symmetric only (zero point 0); int8 narrow-range per-channel weights, int8 per-tensor activations. */
    TENSORRT,
    /** OpenVINO: int8 symmetric narrow-range weights; per-tensor activations, uint8 after ReLU-like ops. */
    OPENVINO,
    /** No runtime constraint: any scheme of 2 to 16 bits, for experiments with low bit widths. */
    GENERIC;

    /**
     * The backend named as the command line names it: {@code onnxruntime} ({@code ort}),
     * {@code tensorrt} ({@code trt}), {@code openvino} ({@code ov}) or {@code generic}.
     *
     * @param name the name, in any case
     * @return the backend
     * @throws LowbitException for an unknown name
     */
    public static Backend parse(String name) {
        return valueOf(BackendProfile.fromName(name).name());
    }
}
