package dev.lowbit.tensor.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Shared constants of the Vector API kernels. Only loaded when the {@code jdk.incubator.vector}
 * module is present (see {@link VectorizationProvider}).
 */
final class PanamaVectorKernels {
    /** The float species every Panama kernel uses; a static constant so the JIT can intrinsify it. */
    static final VectorSpecies<Float> SPECIES = selectSpecies();

    private PanamaVectorKernels() {
    }

    private static VectorSpecies<Float> selectSpecies() {
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
