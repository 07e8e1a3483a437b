/**
 * Internal: not part of lowbit's supported API; may change without notice. Use the API in
 * {@code dev.lowbit} instead.
 *
 * <p>Whole-graph rewrites that keep a model's function: clean-up (no-ops removed, unread outputs
 * dropped), constant folding, BatchNormalization folding, and converting an older opset's graph to
 * the opset quantization needs. (The engine's execution fusions live in {@code engine}.)
 */
package dev.lowbit.passes;
