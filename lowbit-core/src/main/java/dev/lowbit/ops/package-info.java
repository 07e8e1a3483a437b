/**
 * Internal: not part of lowbit's supported API; may change without notice. Use the API in
 * {@code dev.lowbit} instead.
 *
 * <p>ONNX operator implementations, one class per op family ({@code ElementwiseOps},
 * {@code ConvOps}, ...). Each family registers its op types with the
 * {@link dev.lowbit.exec.OpRegistry}; heavy lifting lives in {@code dev.lowbit.tensor.kernels}.
 */
package dev.lowbit.ops;
