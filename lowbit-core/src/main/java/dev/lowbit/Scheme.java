package dev.lowbit;

import dev.lowbit.quant.QuantScheme;

/**
 * An explicit integer grid for weights or activations, overriding what the {@link Backend} would
 * pick. Granularity is not part of it: weights are per channel as
 * {@link QuantizeOptions.Builder#perChannel} says, activations are per tensor.
 *
 * @param bits        bits per value, 2 to 16
 * @param signed      int (true) or uint (false) storage
 * @param symmetric   zero point 0 (symmetric) or chosen from the range (asymmetric)
 * @param narrowRange leave out the most negative code (−127..127 for int8), as TensorRT wants
 */
public record Scheme(int bits, boolean signed, boolean symmetric, boolean narrowRange) {
    /**
     * Checks the values.
     *
     * @throws LowbitException for bits outside 2..16, or a narrow range on an unsigned grid
     */
    public Scheme {
        if (bits < 2 || bits > 16) {
            throw new LowbitException("scheme bits must be in 2..16, got " + bits);
        }
        if (narrowRange && !signed) {
            throw new LowbitException("a narrow range applies to signed schemes only, got unsigned " + bits + "-bit");
        }
    }

    /**
     * A symmetric signed grid, e.g. {@code symmetric(8, true)} for TensorRT's int8 weights.
     *
     * @param bits        bits per value, 2 to 16
     * @param narrowRange leave out the most negative code
     * @return the scheme
     */
    public static Scheme symmetric(int bits, boolean narrowRange) {
        return new Scheme(bits, true, true, narrowRange);
    }

    /**
     * An asymmetric grid, e.g. {@code asymmetric(8, false)} for ONNX Runtime's uint8 activations.
     *
     * @param bits   bits per value, 2 to 16
     * @param signed int (true) or uint (false) storage
     * @return the scheme
     */
    public static Scheme asymmetric(int bits, boolean signed) {
        return new Scheme(bits, signed, false, false);
    }

    /**
     * Reads the form the command line takes: {@code int8-sym-narrow}, {@code uint8-asym},
     * {@code int4-sym} (a granularity part such as {@code perchannel:0} is accepted and ignored).
     *
     * @param text the scheme's name
     * @return the scheme
     * @throws LowbitException for text that names no scheme
     */
    public static Scheme parse(String text) {
        QuantScheme s = QuantScheme.parse(text);
        return new Scheme(s.bits(), s.signed(), s.symmetric(), s.narrowRange());
    }

    /** The per-tensor internal scheme (weights get their axis when they are quantized). */
    QuantScheme toInternal() {
        return new QuantScheme(bits, signed, symmetric, narrowRange, QuantScheme.Granularity.PER_TENSOR, 0);
    }

    /** The command line's spelling, e.g. {@code int8-sym-narrow}. */
    @Override
    public String toString() {
        return (signed ? "int" : "uint") + bits + (symmetric ? "-sym" : "-asym") + (narrowRange ? "-narrow" : "");
    }
}
