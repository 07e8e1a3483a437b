/**
 * Whole-graph rewrites that keep a model's function: converting an older opset's graph to the
 * opset quantization needs. (Clean-up, constant folding and BatchNormalization folding live in
 * {@code ptq}, the engine's fusions in {@code engine}; they are to move here.)
 */
package dev.lowbit.passes;
