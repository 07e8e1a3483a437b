/**
 * Internal: not part of lowbit's supported API; may change without notice. Use the API in
 * {@code dev.lowbit} instead.
 *
 * <p>The executor: plans a graph into {@link dev.lowbit.exec.Op}s looked up in the
 * {@link dev.lowbit.exec.OpRegistry} by ONNX op type, runs them in topological order, releases
 * intermediates after their last use, and calls {@link dev.lowbit.exec.TensorHook}s on values.
 */
package dev.lowbit.exec;
