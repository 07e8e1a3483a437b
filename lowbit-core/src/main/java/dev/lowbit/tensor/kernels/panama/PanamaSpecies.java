package dev.lowbit.tensor.kernels.panama;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * The vector species every Panama kernel uses: one shape for the whole product (see
 * SingleSpeciesTest for why a second float shape slows unrelated kernels down), static constants
 * so the JIT can intrinsify them.
 */
final class PanamaSpecies {
    /** The float species: the CPU's preferred one, or narrower under {@code lowbit.vector.bits}. */
    static final VectorSpecies<Float> FLOAT = selectFloat();

    /** The int species of the same shape (as many lanes as {@link #FLOAT}, which int kernels rely on). */
    static final VectorSpecies<Integer> INT = VectorSpecies.of(int.class, FLOAT.vectorShape());

    /**
     * Bytes with as many lanes as {@link #INT} (a quarter of its bits), for 8-bit loads and stores
     * next to int and float vectors; null when that shape does not exist (float vectors narrower
     * than 256 bits), and the byte loops then run in plain Java.
     */
    static final VectorSpecies<Byte> BYTE = quarterOf(FLOAT);

    /** The short species of the same shape (twice as many lanes as {@link #FLOAT}). */
    static final VectorSpecies<Short> SHORT = VectorSpecies.of(short.class, FLOAT.vectorShape());

    private PanamaSpecies() {
    }

    private static VectorSpecies<Byte> quarterOf(VectorSpecies<Float> f) {
        int bits = f.vectorBitSize() / 4;
        return bits < 64 ? null : VectorSpecies.of(byte.class, VectorShape.forBitSize(bits));
    }

    private static VectorSpecies<Float> selectFloat() {
        String bits = System.getProperty("lowbit.vector.bits");
        VectorSpecies<Float> preferred = FloatVector.SPECIES_PREFERRED;
        if (bits == null) {
            return preferred;
        }
        VectorSpecies<Float> wanted = switch (bits) {
            case "128" -> FloatVector.SPECIES_128;
            case "256" -> FloatVector.SPECIES_256;
            case "512" -> FloatVector.SPECIES_512;
            default -> throw new IllegalArgumentException("lowbit.vector.bits must be 128, 256 or 512, got " + bits);
        };
        return wanted.vectorBitSize() <= preferred.vectorBitSize() ? wanted : preferred;
    }
}
