/**
 * Test-only helpers: {@link dev.lowbit.testutil.Ort} runs models in ONNX Runtime (the referee) and
 * {@link dev.lowbit.testutil.FashionMnist} reads the Fashion-MNIST IDX slices the fixtures use.
 */
package dev.lowbit.testutil;
