package dev.lowbit;

import java.util.List;
import java.util.Optional;

/**
 * What {@link OnnxModel#evaluate} found.
 *
 * @param engine      the engine the model ran in ({@code java}, {@code onnxruntime})
 * @param samples     samples run
 * @param millis      wall time
 * @param accuracy    top-1/top-5 of the first output that holds class scores, when the data has labels
 * @param classOutput the output judged to hold class scores ([N, classes] from Gemm, MatMul or Softmax), if any
 * @param outputs     every float output's statistics
 * @param vsReference with a reference model: every output compared with the reference's (else empty)
 */
public record Evaluation(String engine, long samples, long millis, Optional<Accuracy> accuracy,
                         Optional<String> classOutput, List<OutputStats> outputs, List<OutputQuality> vsReference) {
    /** Copies the lists. */
    public Evaluation {
        outputs = List.copyOf(outputs);
        vsReference = List.copyOf(vsReference);
    }
}
