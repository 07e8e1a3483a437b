/**
 * Internal: not part of lowbit's supported API; may change without notice. Use the API in
 * {@code dev.lowbit} instead.
 *
 * <p>ONNX operator implementations, one class per op family ({@code ElementwiseOps},
 * {@code ConvOps}, ...). Each family registers its op types with the
 * {@link dev.lowbit.exec.OpRegistry}; heavy lifting lives in {@code dev.lowbit.tensor.kernels}.
 * The integer convolutions and matmuls have several exact ways to their int32 sums (int16 runs,
 * Winograd, the float kernels: {@code ConvAccumulation}, {@code MatMulAccumulation}) and time them
 * on a node's first calls ({@code FastestWay}; {@link dev.lowbit.ops.KernelChoices} tells callers
 * that time runs whether any node is still measuring). The engine's own ops (domain
 * {@link dev.lowbit.exec.OpRegistry#ENGINE_DOMAIN}) run MobileNet-style stacks on channel-blocked
 * activations: {@code BlockedConvOps} for float and, through {@code QuantizedBlocks}, quantized
 * stacks held as zero-point-shifted floats.
 */
package dev.lowbit.ops;
