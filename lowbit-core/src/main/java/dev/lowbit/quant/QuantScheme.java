package dev.lowbit.quant;

import dev.lowbit.LowbitException;
import dev.lowbit.tensor.DType;

import java.util.Locale;

/**
 * How a tensor is mapped to integers: bit width, signedness, symmetric (zero point 0) or affine,
 * narrow range (signed only: drops the most negative code so the grid is symmetric, e.g. int8
 * [-127, 127]) and granularity (one scale per tensor or one per slice along {@code axis}).
 *
 * @param axis the channel axis for {@link Granularity#PER_CHANNEL} (may be negative, resolved
 *             against the tensor rank when used); ignored per tensor
 */
public record QuantScheme(int bits, boolean signed, boolean symmetric, boolean narrowRange,
                          Granularity granularity, int axis) {

    /** One scale for the whole tensor, or one per channel along an axis. */
    public enum Granularity { PER_TENSOR, PER_CHANNEL }

    public QuantScheme {
        if (bits < 2 || bits > 16) {
            throw new LowbitException("quantization bit width must be in 2..16, got " + bits);
        }
        if (narrowRange && !signed) {
            throw new LowbitException("narrow range applies to signed schemes only, got unsigned " + bits + "-bit");
        }
        if (granularity == null) {
            throw new LowbitException("quantization granularity is missing");
        }
        if (granularity == Granularity.PER_TENSOR) {
            axis = 0;
        }
    }

    /** int{bits} symmetric per tensor. */
    public static QuantScheme symmetric(int bits, boolean narrow) {
        return new QuantScheme(bits, true, true, narrow, Granularity.PER_TENSOR, 0);
    }

    /** int{bits} symmetric, one scale per slice along {@code axis}. */
    public static QuantScheme symmetricPerChannel(int bits, boolean narrow, int axis) {
        return new QuantScheme(bits, true, true, narrow, Granularity.PER_CHANNEL, axis);
    }

    /** Affine per tensor, uint{bits} when {@code signed} is false. */
    public static QuantScheme asymmetric(int bits, boolean signed) {
        return new QuantScheme(bits, signed, false, false, Granularity.PER_TENSOR, 0);
    }

    public boolean perChannel() {
        return granularity == Granularity.PER_CHANNEL;
    }

    /** Smallest integer code. */
    public int qmin() {
        if (!signed) {
            return 0;
        }
        return -(1 << (bits - 1)) + (narrowRange ? 1 : 0);
    }

    /** Largest integer code. */
    public int qmax() {
        return signed ? (1 << (bits - 1)) - 1 : (1 << bits) - 1;
    }

    /** The ONNX storage type of the codes (int8/uint8 up to 8 bits, int16/uint16 above). */
    public DType storageType() {
        if (bits <= 8) {
            return signed ? DType.INT8 : DType.UINT8;
        }
        return signed ? DType.INT16 : DType.UINT16;
    }

    public QuantScheme withBits(int newBits) {
        return new QuantScheme(newBits, signed, symmetric, narrowRange, granularity, axis);
    }

    public QuantScheme perTensor() {
        return new QuantScheme(bits, signed, symmetric, narrowRange, Granularity.PER_TENSOR, 0);
    }

    public QuantScheme withAxis(int newAxis) {
        return new QuantScheme(bits, signed, symmetric, narrowRange, Granularity.PER_CHANNEL, newAxis);
    }

    /**
     * Parses the {@link #toString()} form: {@code int8-sym-narrow-perchannel:0},
     * {@code uint8-asym}, {@code int4-sym} (parts after the type in any order).
     */
    public static QuantScheme parse(String text) {
        String[] parts = text.trim().toLowerCase(Locale.ROOT).split("-(?![0-9])"); // a dash before a digit is an axis sign
        String type = parts[0];
        boolean signed;
        String digits;
        if (type.startsWith("uint")) {
            signed = false;
            digits = type.substring(4);
        } else if (type.startsWith("int")) {
            signed = true;
            digits = type.substring(3);
        } else {
            throw new LowbitException("quantization scheme '" + text + "' must start with intN or uintN");
        }
        int bits;
        try {
            bits = Integer.parseInt(digits);
        } catch (NumberFormatException e) {
            throw new LowbitException("quantization scheme '" + text + "' has no bit width after " + type);
        }
        boolean symmetric = true;
        boolean narrow = false;
        Granularity g = Granularity.PER_TENSOR;
        int axis = 0;
        for (int i = 1; i < parts.length; i++) {
            String p = parts[i];
            if (p.equals("sym")) {
                symmetric = true;
            } else if (p.equals("asym")) {
                symmetric = false;
            } else if (p.equals("narrow")) {
                narrow = true;
            } else if (p.equals("pertensor")) {
                g = Granularity.PER_TENSOR;
            } else if (p.startsWith("perchannel")) {
                g = Granularity.PER_CHANNEL;
                if (p.startsWith("perchannel:")) {
                    try {
                        axis = Integer.parseInt(p.substring("perchannel:".length()));
                    } catch (NumberFormatException e) {
                        throw new LowbitException("quantization scheme '" + text + "' has a bad axis in " + p);
                    }
                }
            } else if (!p.isEmpty()) {
                throw new LowbitException("quantization scheme '" + text + "' has unknown part '" + p
                        + "' (expected sym, asym, narrow, pertensor, perchannel:AXIS)");
            }
        }
        return new QuantScheme(bits, signed, symmetric, narrow, g, axis);
    }

    @Override
    public String toString() {
        return (signed ? "int" : "uint") + bits + (symmetric ? "-sym" : "-asym") + (narrowRange ? "-narrow" : "")
                + (perChannel() ? "-perchannel:" + axis : "-pertensor");
    }
}
