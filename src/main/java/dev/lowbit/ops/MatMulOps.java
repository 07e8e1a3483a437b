package dev.lowbit.ops;

import dev.lowbit.exec.OpRegistry;

/** TODO: ops of this family. */
public final class MatMulOps implements OpRegistry.Family {
    @Override
    public void register(OpRegistry r) {
    }
}
