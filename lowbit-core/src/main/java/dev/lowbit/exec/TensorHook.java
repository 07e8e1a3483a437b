package dev.lowbit.exec;

import dev.lowbit.tensor.Tensor;
import java.util.function.BiConsumer;

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

    /**
     * Whether this hook may keep a reference to a value after {@link #onValue} returns (default
     * yes). The executor recycles intermediate buffers only when no hook keeps them.
     */
    default boolean retainsValues() {
        return true;
    }

    /**
     * A hook that only looks at each value while it is handed over (statistics, timing) and keeps
     * no reference to it, so the executor may go on recycling buffers.
     */
    static TensorHook observing(BiConsumer<String, Tensor> observer) {
        return new TensorHook() {
            @Override
            public Tensor onValue(String name, Tensor value) {
                observer.accept(name, value);
                return value;
            }

            @Override
            public boolean retainsValues() {
                return false;
            }
        };
    }
}
