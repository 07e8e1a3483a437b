/**
 * Internal: not part of lowbit's supported API; may change without notice. Use the API in
 * {@code dev.lowbit} instead.
 *
 * <p>Numeric kernels behind the op families: each kernel family has a simple scalar reference and,
 * for float hot paths, a vectorised implementation split across cores with
 * {@link dev.lowbit.tensor.Parallel}. The facades here ({@link dev.lowbit.tensor.kernels.Gemm},
 * {@link dev.lowbit.tensor.kernels.BinaryFloatKernels}, {@link dev.lowbit.tensor.kernels.ConvEpilogue}...)
 * run the loops {@link dev.lowbit.tensor.kernels.VectorizationProvider} picked once: this package's
 * plain-Java ones, or the Vector API ones of {@code dev.lowbit.tensor.kernels.panama} when the JVM has
 * the {@code jdk.incubator.vector} module.
 */
package dev.lowbit.tensor.kernels;
