/**
 * Engines that run a whole model: {@link dev.lowbit.engine.JavaEngine} (lowbit's own kernels) and
 * {@link dev.lowbit.engine.OnnxRuntimeEngine} (ONNX Runtime, the reference), behind one
 * {@link dev.lowbit.engine.Engine} interface so commands and tests can run and compare either.
 * {@link dev.lowbit.engine.Engines#open} picks one by name.
 */
package dev.lowbit.engine;
