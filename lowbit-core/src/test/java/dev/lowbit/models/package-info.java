/**
 * Tests on the real exported fixture models in {@code src/test/resources/models} (made by
 * {@code tools/fixtures/train_fmnist.py}): lowbit's engine against ONNX Runtime on real images.
 */
package dev.lowbit.models;
