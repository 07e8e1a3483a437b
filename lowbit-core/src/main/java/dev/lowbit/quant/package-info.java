/**
 * Internal: not part of lowbit's supported API; may change without notice. Use the API in
 * {@code dev.lowbit} instead.
 *
 * <p>Quantization: the numeric core shared by the quantized ops ({@link dev.lowbit.quant.QuantMath}),
 * quantization schemes, fake quantization and backend profiles.
 */
package dev.lowbit.quant;
