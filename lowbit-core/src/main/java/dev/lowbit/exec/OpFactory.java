package dev.lowbit.exec;

/**
 * Builds an {@link Op} for one node. Throws {@link UnsupportedOpException} for attribute or
 * type combinations the implementation does not handle, so the failure happens at load time.
 */
@FunctionalInterface
public interface OpFactory {
    Op create(OpContext ctx);
}
