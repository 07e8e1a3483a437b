package dev.lowbit.grad;

import dev.lowbit.onnx.Node;
import dev.lowbit.tensor.Tensor;

/**
 * The backward rule of one ONNX op type: input gradients from output gradients and the values
 * the forward pass saved. Gradients are FLOAT tensors shaped like the value they belong to (also
 * for integer values such as a QuantizeLinear output, whose "gradient" the STE passes through).
 */
public interface GradOp {
    /**
     * What backward may read: the node, its opset, its inputs and outputs from the forward pass
     * (missing optional inputs are null), and whether the tape runs in training mode.
     */
    record Saved(Node node, int opset, Tensor[] inputs, Tensor[] outputs, boolean training) {
        public Tensor input(int i) {
            return i < inputs.length ? inputs[i] : null;
        }
    }

    /**
     * Returns one entry per input: its gradient, or null when {@code needed[i]} is false or the input
     * is not differentiable. {@code outputGrads[o]} is never null (zeros when no gradient reached it).
     */
    Tensor[] backward(Saved s, Tensor[] outputGrads, boolean[] needed);

    /**
     * A forward that replaces the inference op in training mode (BatchNormalization with batch
     * statistics); null means "run lowbit's op".
     */
    default Tensor[] trainingForward(Node node, int opset, Tensor[] inputs) {
        return null;
    }
}
