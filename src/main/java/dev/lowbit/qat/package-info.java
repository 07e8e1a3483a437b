/**
 * Quantization-aware training: starting from post-training quantization (BatchNormalization folded,
 * calibrated ranges), the folded float graph is fine-tuned with fake quantization on weights
 * (per channel, straight-through estimator) and on the planned activations (QuantizeLinear /
 * DequantizeLinear pairs in the training graph), with fixed or LSQ-learned activation step sizes.
 * Export is {@link dev.lowbit.export.QdqWriter} with the trained weights and the final ranges.
 */
package dev.lowbit.qat;
