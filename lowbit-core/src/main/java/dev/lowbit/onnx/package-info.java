/**
 * Internal: not part of lowbit's supported API; may change without notice. Use the API in
 * {@code dev.lowbit} instead.
 *
 * <p>ONNX model I/O (protobuf, external data) and the editable graph IR that passes rewrite.
 */
package dev.lowbit.onnx;
