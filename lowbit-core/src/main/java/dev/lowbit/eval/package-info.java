/**
 * Internal: not part of lowbit's supported API; may change without notice. Use the API in
 * {@code dev.lowbit} instead.
 *
 * <p>Evaluation: classification accuracy, and agreement between a float and a quantized model (SQNR, cosine, top-1 agreement).
 */
package dev.lowbit.eval;
