/**
 * Internal: not part of lowbit's supported API; may change without notice. Use the API in
 * {@code dev.lowbit} instead.
 *
 * <p>Writers of quantized ONNX models: {@code QdqWriter} (QuantizeLinear/DequantizeLinear pairs around
 * the float ops, integer weights and int32 biases as initializers), {@code QOperatorWriter}
 * (rewrites a QDQ model into QLinearConv, QLinearMatMul and the other integer operators),
 * {@code DynamicWriter} (DynamicQuantizeLinear and MatMulInteger, no calibrated activations) and
 * the float16 scale rows of quantized embedding tables.
 */
package dev.lowbit.export;
