/**
 * Internal: not part of lowbit's supported API; may change without notice. Use the API in
 * {@code dev.lowbit} instead.
 *
 * <p>Engines that run a whole model: {@link dev.lowbit.engine.JavaEngine} (lowbit's own kernels) and,
 * with {@code dev.lowbit:lowbit-onnxruntime} on the class path, ONNX Runtime (the reference), behind
 * one {@link dev.lowbit.engine.Engine} interface so commands and tests can run and compare either.
 * {@link dev.lowbit.engine.Engines#open} picks one by name; other jars add engines through
 * {@link dev.lowbit.engine.EngineProvider}.
 */
package dev.lowbit.engine;
