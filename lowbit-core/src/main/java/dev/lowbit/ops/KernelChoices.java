package dev.lowbit.ops;

/**
 * What the engine's measured kernel choices are doing, for callers that time runs: the integer
 * convolutions and matmuls time their exact ways on a node's first calls and keep the fastest
 * ({@code FastestWay}), so runs made while any is still measuring are slower than the steady state.
 */
public final class KernelChoices {
    private KernelChoices() {
    }

    /**
     * How many (node, input shape class) pairs are still measuring their ways, over every session in
     * this JVM; 0 once all have chosen (a session dropped while measuring leaves its count behind).
     */
    public static int pending() {
        return FastestWay.PENDING.get();
    }
}
