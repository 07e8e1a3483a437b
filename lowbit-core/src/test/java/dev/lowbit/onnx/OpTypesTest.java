package dev.lowbit.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.lowbit.tensor.DType;
import dev.lowbit.tensor.Tensor;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Element types the validator refuses before anything runs, and the ones it must accept. */
class OpTypesTest {
    private static Model model(Graph g) {
        Model m = new Model(g);
        m.opsets().put("", 13L);
        return m;
    }

    private static Graph convGraph(Tensor weight, DType inputType) {
        Graph g = new Graph("g");
        g.inputs().add(ValueInfo.of("x", inputType, 1, 1, 4, 4));
        g.outputs().add(ValueInfo.of("y", DType.FLOAT, 1, 1, 4, 4));
        g.setInitializer("w", weight);
        g.addNode(new Node("Conv", "conv", List.of("x", "w"), List.of("y")));
        return g;
    }

    @Test
    void refusesTypesTheOpDoesNotTake() {
        assertEquals(List.of("Conv node 'conv' input 1 'w' is int64; Conv takes float, float16, double, bfloat16 there"),
                ModelValidator.problems(model(convGraph(Tensor.of(new long[1], 1, 1, 1, 1), DType.FLOAT))));
        assertEquals(List.of("Conv node 'conv' input 0 'x' is uint8; Conv takes float, float16, double, bfloat16 there"),
                ModelValidator.problems(model(convGraph(Tensor.of(new float[1], 1, 1, 1, 1), DType.UINT8))));

        Graph g = new Graph("g");
        g.inputs().add(ValueInfo.of("ids", DType.FLOAT, 2));
        g.outputs().add(ValueInfo.of("e", DType.FLOAT, 2, 3));
        g.setInitializer("table", Tensor.of(new float[12], 4, 3));
        g.addNode(new Node("Gather", "embed", List.of("table", "ids"), List.of("e")));
        assertEquals(List.of("Gather node 'embed' input 1 'ids' is float; Gather takes int32, int64 there"),
                ModelValidator.problems(model(g)));
    }

    @Test
    void refusesMixedTypesAlsoAfterACast() {
        Graph g = new Graph("g");
        g.inputs().add(ValueInfo.of("x", DType.FLOAT, 2));
        g.inputs().add(ValueInfo.of("mask", DType.INT64, 2));
        g.outputs().add(ValueInfo.of("y", DType.FLOAT, 2));
        g.addNode(new Node("Cast", "cast", List.of("x"), List.of("xi")).set(Attribute.ofInt("to", DType.INT32.onnxCode())));
        g.addNode(new Node("Add", "add", List.of("xi", "mask"), List.of("y")));
        assertEquals(List.of("Add node 'add' mixes element types: input 1 'mask' is int64, an earlier one int32"
                + " (Add needs one type)"), ModelValidator.problems(model(g)));
    }

    @Test
    void acceptsTheTypesRealModelsUse() {
        Graph g = new Graph("g");
        g.inputs().add(ValueInfo.of("ids", DType.INT64, 1, 3));
        g.inputs().add(ValueInfo.of("mask", DType.INT64, 1, 3));
        g.outputs().add(ValueInfo.of("y", DType.FLOAT, 1, 3, 2));
        g.setInitializer("table", Tensor.of(new float[8], 4, 2));
        g.setInitializer("one", Tensor.of(new float[] {1f}));
        g.addNode(new Node("Gather", "embed", List.of("table", "ids"), List.of("e")));
        g.addNode(new Node("Shape", "shape", List.of("e"), List.of("s")));
        g.addNode(new Node("Reshape", "reshape", List.of("e", "s"), List.of("r")));
        g.addNode(new Node("Cast", "cast", List.of("mask"), List.of("mf")).set(Attribute.ofInt("to", DType.FLOAT.onnxCode())));
        g.addNode(new Node("Sub", "inv", List.of("one", "mf"), List.of("mi")));
        g.addNode(new Node("Unsqueeze", "unsq", List.of("mi", "axes"), List.of("m3")));
        g.setInitializer("axes", Tensor.of(new long[] {2}, 1));
        g.addNode(new Node("Mul", "y", List.of("r", "m3"), List.of("y")));
        assertEquals(List.of(), ModelValidator.problems(model(g)));
    }
}
