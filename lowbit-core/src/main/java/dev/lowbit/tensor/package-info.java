/**
 * Internal: not part of lowbit's supported API; may change without notice. Use the API in
 * {@code dev.lowbit} instead.
 *
 * <p>Tensors (typed, row-major, array-backed), shape arithmetic and the parallel-loop helper.
 * Compute kernels live in {@code dev.lowbit.tensor.kernels}.
 */
package dev.lowbit.tensor;
