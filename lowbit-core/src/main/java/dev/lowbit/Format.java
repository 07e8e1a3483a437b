package dev.lowbit;

/** How a quantized model is written. Both run in ONNX Runtime and in lowbit's engine. */
public enum Format {
    /**
     * QuantizeLinear/DequantizeLinear pairs around float ops, which runtimes fuse into integer
     * kernels (ONNX Runtime, TensorRT, OpenVINO all read it). The default.
     */
    QDQ,
    /** Integer operators (QLinearConv, QLinearMatMul, ...) in the graph itself, for runtimes without QDQ fusion. */
    QOPERATOR
}
