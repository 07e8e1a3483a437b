/**
 * Internal: not part of lowbit's supported API; may change without notice. Use the API in
 * {@code dev.lowbit} instead.
 *
 * <p>Runs the ONNX project's backend test suite against lowbit's engine.
 */
package dev.lowbit.conformance;
