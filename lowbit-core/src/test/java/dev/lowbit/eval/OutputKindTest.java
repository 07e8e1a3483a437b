package dev.lowbit.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.lowbit.onnx.Graph;
import dev.lowbit.onnx.Model;
import dev.lowbit.onnx.Node;
import dev.lowbit.onnx.ValueInfo;
import dev.lowbit.tensor.DType;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Which outputs hold class scores, through the nodes quantized exports put after the classifier. */
class OutputKindTest {
    @Test
    void scoresThroughAGenericBackendsClipAndQdqAreClassScores() {
        Graph g = new Graph("t");
        g.inputs().add(ValueInfo.of("x", DType.FLOAT, 1, 4));
        g.outputs().add(ValueInfo.of("logits", DType.FLOAT, 1, 10));
        g.outputs().add(ValueInfo.of("features", DType.FLOAT, 1, 4));
        g.addNode(node("Gemm", List.of("x", "w", "b"), "g"));
        g.addNode(node("Clip", List.of("g", "lo", "hi"), "c"));
        g.addNode(node("QuantizeLinear", List.of("c", "s", "z"), "q"));
        g.addNode(node("DequantizeLinear", List.of("q", "s", "z"), "logits"));
        g.addNode(node("Sqrt", List.of("x"), "features"));
        Map<String, OutputKind> kinds = OutputKind.of(new Model(g));
        assertEquals(OutputKind.CLASS_SCORES, kinds.get("logits"));
        assertEquals(OutputKind.OTHER, kinds.get("features"));
    }

    private static Node node(String op, List<String> inputs, String output) {
        return new Node(op, output, new ArrayList<>(inputs), new ArrayList<>(List.of(output)));
    }
}
