package dev.lowbit.ops;

import dev.lowbit.exec.OpRegistry;

/** TODO: ops of this family. */
public final class QuantOps implements OpRegistry.Family {
    @Override
    public void register(OpRegistry r) {
    }
}
