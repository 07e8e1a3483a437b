/**
 * Quantization: the numeric core shared by the quantized ops ({@link dev.lowbit.quant.QuantMath}),
 * quantization schemes, fake quantization and backend profiles.
 */
package dev.lowbit.quant;
