package dev.lowbit.ptq;

import dev.lowbit.onnx.Graph;
import dev.lowbit.onnx.Node;

/**
 * Data movement (MaxPool, Reshape, Flatten, Transpose, Squeeze, Unsqueeze, Resize, Slice, Gather,
 * Split, Identity): the outputs reuse the input's parameters, so runtimes move integers. Only after
 * a quantized tensor; MaxPool's indices output is not a value to quantize.
 */
final class SharedParamsQuantizer implements OpQuantizer {
    @Override
    public String plan(Node n, PlanContext ctx) {
        String in = n.input(0);
        if (!ctx.plan().activations().contains(in) || n.outputs().isEmpty()) {
            return n.opType() + ": pattern not quantizable here"; // only propagate through data movement that follows a quantized tensor
        }
        for (String out : n.outputs()) {
            if (!out.isEmpty() && (!n.opType().equals("MaxPool") || out.equals(n.output(0)))) {
                ctx.quantizeOutput(out);
                ctx.plan().sharedParams().put(out, in);
            }
        }
        return null;
    }

    @Override
    public boolean nonNegativeOutput(Node n, Graph g) {
        return n.inputs().stream().filter(s -> !s.isEmpty() && g.initializer(s) == null).limit(1)
                .allMatch(s -> OpQuantizers.nonNegative(g, s));
    }
}
