/**
 * ONNX model I/O (protobuf, external data) and the editable graph IR that passes rewrite.
 */
package dev.lowbit.onnx;
