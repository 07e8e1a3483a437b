/**
 * Internal: not part of lowbit's supported API; may change without notice. Use the API in
 * {@code dev.lowbit} instead.
 *
 * <p>Post-training quantization: the graph prepared for quantizing (no-ops removed, constants and
 * BatchNormalization folded), quantizer placement ({@code QuantPlanner}, one {@code OpQuantizer}
 * per op family), the calibration pipeline ({@code PostTrainingQuantizer}: statistics streamed
 * through lowbit's engine, ranges chosen by {@code CalibrationMethod}, a QDQ model written) and
 * the algorithm steps it runs in their phase ({@code PtqStep}: SmoothQuant, cross-layer
 * equalization, AdaRound, bias correction, EasyQuant); the searches built on it (sensitivity,
 * partial quantization, mixed precision), dynamic quantization, and the quality check made after
 * every run. {@code dev.lowbit.QuantizeOptions} and {@code OnnxModel.quantize} drive it.
 */
package dev.lowbit.ptq;
