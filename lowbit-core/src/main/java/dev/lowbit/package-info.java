/**
 * lowbit's supported API: quantize neural networks on the JVM. Load a float ONNX model, calibrate
 * and quantize it (static or dynamic), evaluate and compare models in any engine by name, train
 * quantization-aware, and write QDQ or QOperator ONNX models that ONNX Runtime, TensorRT and
 * OpenVINO run with integer kernels.
 *
 * <p>Start at {@link dev.lowbit.Lowbit}:
 * <ul>
 *   <li>{@link dev.lowbit.Lowbit#load} gives an {@link dev.lowbit.OnnxModel};</li>
 *   <li>{@link dev.lowbit.OnnxModel#quantize} takes {@link dev.lowbit.QuantizeOptions} (built with
 *       {@link dev.lowbit.QuantizeOptions#builder()}: mode, format, backend, bits, calibration method
 *       and size, algorithm steps) and returns a {@link dev.lowbit.QuantizeResult};</li>
 *   <li>{@link dev.lowbit.OnnxModel#evaluate} and {@link dev.lowbit.OnnxModel#compare} run models on
 *       a {@link dev.lowbit.DataSource} with {@link dev.lowbit.EvalOptions} and return an
 *       {@link dev.lowbit.Evaluation} (accuracy as fractions, every output's statistics, SQNR and
 *       cosine against a reference) or a {@link dev.lowbit.Comparison};</li>
 *   <li>{@link dev.lowbit.Lowbit#train} runs quantization-aware training from a
 *       {@link dev.lowbit.TrainingConfig}.</li>
 * </ul>
 *
 * <p>Preprocessing comes from the model's {@code preprocessing} metadata unless a
 * {@link dev.lowbit.Preprocessing} sets it. Errors are {@link dev.lowbit.LowbitException}s with a
 * one-line message. The same model, data and options give byte-identical output.
 *
 * <p>Only this package is lowbit's supported API. Every other package in lowbit's jars is
 * internal: public for lowbit's own modules, and free to change without notice.
 */
package dev.lowbit;
