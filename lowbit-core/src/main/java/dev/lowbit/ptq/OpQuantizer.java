package dev.lowbit.ptq;

import dev.lowbit.onnx.Graph;
import dev.lowbit.onnx.Node;

/**
 * How one family of ops is quantized: which of a node's inputs and outputs get quantizers, which
 * reuse their input's parameters, which constant inputs are stored as integers, and whether the
 * output is never negative (so an unsigned grid loses nothing). One implementation per family,
 * registered in {@link OpQuantizers}, in the spirit of ONNX Runtime's quantization registry and
 * torch.ao's backend_config: the planner asks the registry, never a list of op names.
 */
public interface OpQuantizer {
    /**
     * Adds {@code n}'s quantizers to {@code ctx.plan()} and returns null, or returns why the node
     * stays float (nothing added).
     */
    String plan(Node n, PlanContext ctx);

    /**
     * True when the target runtimes run this op on quantized inputs (false for the ops that stay
     * float): quantizing a value none of whose readers has an integer kernel only adds error.
     */
    default boolean hasIntegerKernel() {
        return true;
    }

    /** True when the op's output is never negative given its inputs (Relu, Sigmoid, Softmax; pooling of such). */
    default boolean nonNegativeOutput(Node n, Graph g) {
        return false;
    }
}
