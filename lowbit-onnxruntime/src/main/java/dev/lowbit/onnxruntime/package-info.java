/**
 * Internal: not part of lowbit's supported API; may change without notice. Use it by engine name
 * ({@code "onnxruntime"}) through {@code dev.lowbit}.
 *
 * <p>ONNX Runtime as a lowbit {@link dev.lowbit.engine.Engine}: {@link dev.lowbit.onnxruntime.OnnxRuntimeEngine}
 * runs a model in ONNX Runtime (CPU), the reference lowbit's own engine is compared and benchmarked
 * against. With this jar on the class path, {@code Engines.open(model, "onnxruntime", threads)} and
 * every {@code --engine onnxruntime} work; without it lowbit-core needs no native code.
 */
package dev.lowbit.onnxruntime;
