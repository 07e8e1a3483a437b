/**
 * Internal: not part of lowbit's supported API; may change without notice. Use the API in
 * {@code dev.lowbit} instead.
 *
 * <p>The Vector API (Panama, {@code jdk.incubator.vector}) implementations of the kernels: the only
 * package of lowbit that uses the incubator module. Nothing refers to it at compile time;
 * {@link dev.lowbit.tensor.kernels.VectorizationProvider} loads
 * {@link dev.lowbit.tensor.kernels.panama.PanamaVectorizationProvider} by name when the module is in
 * the boot layer, so a JVM started without {@code --add-modules jdk.incubator.vector} never loads a
 * class of this package and runs the plain-Java kernels instead. All kernels share one species
 * ({@code PanamaSpecies}).
 */
package dev.lowbit.tensor.kernels.panama;
