package dev.lowbit.ops;

import dev.lowbit.exec.OpContext;
import dev.lowbit.exec.OpRegistry;
import dev.lowbit.onnx.Attribute;
import dev.lowbit.onnx.Node;
import dev.lowbit.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;

/** Runs one op of the standard registry on in-memory tensors. */
final class OpTesting {
    private OpTesting() {
    }

    static Tensor run(String opType, int opset, List<Attribute> attrs, Tensor... inputs) {
        List<String> names = new ArrayList<>();
        for (int i = 0; i < inputs.length; i++) {
            names.add(inputs[i] == null ? "" : "in" + i);
        }
        Node n = new Node(opType, "n", names, List.of("y"));
        attrs.forEach(n::set);
        return OpRegistry.standard().create(new OpContext(n, opset, null)).run(inputs)[0];
    }

    static Tensor run(String opType, int opset, Tensor... inputs) {
        return run(opType, opset, List.of(), inputs);
    }
}
