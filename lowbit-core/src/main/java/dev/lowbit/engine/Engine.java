package dev.lowbit.engine;

import dev.lowbit.onnx.ValueInfo;
import dev.lowbit.tensor.Tensor;
import java.util.List;
import java.util.Map;

/**
 * Something that runs a whole model: feed named input tensors, get named output tensors. Both
 * implementations ({@link JavaEngine}, ONNX Runtime (dev.lowbit:lowbit-onnxruntime)) declare the same inputs and
 * outputs for the same model, so callers can swap or compare them. Close an engine to free its
 * native or cached resources. An engine is used from one thread at a time.
 */
public interface Engine extends AutoCloseable {
    /** A short name: {@code java} or {@code onnxruntime}. */
    String name();

    /** The inputs a caller must feed (initializers excluded), with declared type and shape. */
    List<ValueInfo> inputs();

    /** The model's outputs, in declaration order, with declared type and shape. */
    List<ValueInfo> outputs();

    /** Input names in declaration order. */
    default List<String> inputNames() {
        return inputs().stream().map(ValueInfo::name).toList();
    }

    /** Output names in declaration order. */
    default List<String> outputNames() {
        return outputs().stream().map(ValueInfo::name).toList();
    }

    /**
     * Runs the model. Returns the graph outputs in declaration order; throws a one-line
     * {@link dev.lowbit.LowbitException} for missing or mismatched inputs.
     */
    Map<String, Tensor> run(Map<String, Tensor> inputs);

    /** Releases the engine's resources; it must not be used afterwards. */
    @Override
    void close();
}
