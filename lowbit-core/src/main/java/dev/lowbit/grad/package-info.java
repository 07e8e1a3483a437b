/**
 * Internal: not part of lowbit's supported API; may change without notice. Use the API in
 * {@code dev.lowbit} instead.
 *
 * <p>Reverse-mode automatic differentiation over ONNX graphs, for post-training algorithms that
 * optimise (AdaRound) and for quantization-aware training.
 *
 * <p>A {@link dev.lowbit.grad.Tape} runs a graph forward with lowbit's own ops (the inference
 * kernels), keeping every value, then walks the nodes in reverse and asks each node's
 * {@link dev.lowbit.grad.GradOp} (one family class per op family, registered by op type in
 * {@link dev.lowbit.grad.GradRegistry}) for the gradients of its inputs. Gradients of chosen
 * tensors (parameters, inputs) are returned. Fake quantization (QuantizeLinear followed by
 * DequantizeLinear) differentiates with the straight-through estimator. {@link dev.lowbit.grad.Losses}
 * gives losses with their gradients and {@link dev.lowbit.grad.Adam} a first optimizer.
 */
package dev.lowbit.grad;
