/** Runs the ONNX project's backend test suite against lowbit's engine. */
package dev.lowbit.conformance;
