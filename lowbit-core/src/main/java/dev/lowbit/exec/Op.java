package dev.lowbit.exec;

import dev.lowbit.tensor.Tensor;

/**
 * A ready-to-run operator instance, made once per node by an {@link OpFactory} (which has already
 * validated attributes and may have pre-packed constant weights).
 */
@FunctionalInterface
public interface Op {
    /**
     * Computes the node's outputs. {@code inputs[i]} is null where an optional input is absent.
     * Must not modify the input tensors. Returns one tensor per declared output (trailing optional
     * outputs may be null).
     */
    Tensor[] run(Tensor[] inputs);
}
