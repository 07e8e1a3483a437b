package dev.lowbit.exec;

import dev.lowbit.tensor.Tensor;

/**
 * Observes or replaces values while a graph runs: called for every graph input, initializer read
 * and node output, in execution order. Return {@code value} to observe only, or another tensor of
 * the same shape to replace it (fake quantization does this).
 */
@FunctionalInterface
public interface TensorHook {
    Tensor onValue(String name, Tensor value);

    /** Whether this hook wants to see initializers (weights) too; default no. */
    default boolean wantsInitializers() {
        return false;
    }
}
