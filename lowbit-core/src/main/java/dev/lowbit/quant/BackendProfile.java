package dev.lowbit.quant;

import dev.lowbit.LowbitException;

import java.util.Locale;

/**
 * What an inference backend can execute, as quantization constraints: which weight and activation
 * schemes it accepts ({@link #validate}) and which it prefers ({@link #defaultWeightScheme},
 * {@link #defaultActivationScheme}). Sources: ONNX Runtime's QDQ quantizer, TensorRT's explicit
 * quantization, OpenVINO/NNCF presets (see REFERENCE.md, "Backend constraints").
 */
public enum BackendProfile {
    /** ONNX Runtime QDQ: weights int8 symmetric per channel; activations uint8 affine (or int8) per tensor. */
    ONNXRUNTIME,
    /** TensorRT: symmetric only (zero point 0); int8 narrow per-channel weights, int8 per-tensor activations. */
    TENSORRT,
    /** OpenVINO: weights int8 symmetric narrow per channel; activations per tensor, uint8 after ReLU-like ops. */
    OPENVINO,
    /** No backend constraint: any valid scheme. */
    GENERIC;

    /** Whether a scheme is for weights (constant) or activations (computed at run time). */
    public enum Role { WEIGHT, ACTIVATION }

    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static BackendProfile fromName(String name) {
        String n = name.trim().toLowerCase(Locale.ROOT).replace("-", "").replace("_", "");
        return switch (n) {
            case "onnxruntime", "ort" -> ONNXRUNTIME;
            case "tensorrt", "trt" -> TENSORRT;
            case "openvino", "ov" -> OPENVINO;
            case "generic" -> GENERIC;
            default -> throw new LowbitException("unknown backend '" + name
                    + "' (expected onnxruntime, tensorrt, openvino or generic)");
        };
    }

    /** The preferred weight scheme at {@code bits}, per channel along {@code axis}. */
    public QuantScheme defaultWeightScheme(int bits, int axis) {
        return QuantScheme.symmetricPerChannel(bits, true, axis);
    }

    /**
     * The preferred activation scheme at {@code bits}; {@code nonNegative} says the tensor comes
     * from a ReLU-like op (ReLU, ReLU6/Clip at 0, Sigmoid), where an unsigned grid loses nothing.
     */
    public QuantScheme defaultActivationScheme(int bits, boolean nonNegative) {
        return switch (this) {
            case ONNXRUNTIME, GENERIC -> QuantScheme.asymmetric(bits, false);
            case TENSORRT -> QuantScheme.symmetric(bits, false);
            case OPENVINO -> nonNegative
                    ? new QuantScheme(bits, false, true, false, QuantScheme.Granularity.PER_TENSOR, 0)
                    : QuantScheme.symmetric(bits, false);
        };
    }

    /** Throws a one-line {@link LowbitException} when this backend cannot run {@code scheme} in {@code role}. */
    public void validate(Role role, QuantScheme scheme) {
        String problem = problem(role, scheme);
        if (problem != null) {
            throw new LowbitException(id() + ": " + role.name().toLowerCase(Locale.ROOT) + " scheme " + scheme
                    + " is not supported: " + problem);
        }
    }

    /** Whether {@link #validate} would accept the scheme. */
    public boolean accepts(Role role, QuantScheme scheme) {
        return problem(role, scheme) == null;
    }

    private String problem(Role role, QuantScheme s) {
        boolean weight = role == Role.WEIGHT;
        return switch (this) {
            case GENERIC -> null;
            case ONNXRUNTIME -> {
                if (!weight && s.perChannel()) {
                    yield "activations are quantized per tensor (per-channel activations are not fused into integer kernels)";
                }
                // A Q node saturates to its storage type: sub-byte activation grids other than 4 bits
                // cannot be expressed; weights are stored pre-quantized, so any width up to 16 fits.
                if (!weight && s.bits() != 4 && s.bits() != 8 && s.bits() != 16) {
                    yield "activations need 4, 8 or 16 bits (a QuantizeLinear saturates to its storage type)";
                }
                yield null;
            }
            case TENSORRT -> {
                if (!s.symmetric()) {
                    yield "tensorrt needs symmetric quantization (zero point 0)";
                }
                if (!s.signed()) {
                    yield "tensorrt needs signed int8 codes";
                }
                if (weight ? s.bits() != 8 && s.bits() != 4 : s.bits() != 8) {
                    yield weight ? "weights need 8 bits (or 4 for weight-only)" : "activations need 8 bits";
                }
                if (!weight && s.perChannel()) {
                    yield "activations are quantized per tensor";
                }
                yield null;
            }
            case OPENVINO -> {
                if (weight && (!s.symmetric() || !s.signed())) {
                    yield "weights need signed symmetric quantization";
                }
                if (!weight && s.perChannel()) {
                    yield "activations are quantized per tensor";
                }
                if (s.bits() != 8 && !(weight && s.bits() == 4)) {
                    yield "8 bits expected (4 for weights)";
                }
                yield null;
            }
        };
    }
}
