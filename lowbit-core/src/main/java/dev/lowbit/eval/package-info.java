/** Evaluation: classification accuracy, and agreement between a float and a quantized model (SQNR, cosine, top-1 agreement). */
package dev.lowbit.eval;
