/**
 * Internal: not part of lowbit's supported API; may change without notice. Use the API in
 * {@code dev.lowbit} instead.
 *
 * <p>Numeric kernels behind the op families: each kernel family has a simple scalar reference and,
 * for float hot paths, a Vector API implementation split across cores with
 * {@link dev.lowbit.tensor.Parallel}.
 */
package dev.lowbit.tensor.kernels;
