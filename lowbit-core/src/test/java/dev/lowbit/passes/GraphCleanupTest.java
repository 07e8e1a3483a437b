package dev.lowbit.passes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lowbit.LowbitException;
import dev.lowbit.exec.Executor;
import dev.lowbit.onnx.Graph;
import dev.lowbit.onnx.Model;
import dev.lowbit.onnx.Node;
import dev.lowbit.onnx.ValueInfo;
import dev.lowbit.tensor.DType;
import dev.lowbit.tensor.Tensor;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class GraphCleanupTest {
    /** x -> Relu -> h; h -> Neg -> kept; h -> Mul(w) -> Sigmoid -> pooled. */
    private static Model twoOutputs() {
        Graph g = new Graph("two");
        g.inputs().add(ValueInfo.of("x", DType.FLOAT, 1, 3));
        g.outputs().add(ValueInfo.of("kept", DType.FLOAT, 1, 3));
        g.outputs().add(ValueInfo.of("pooled", DType.FLOAT, 1, 3));
        g.setInitializer("w", Tensor.of(new float[] {2, 2, 2}, 3));
        g.addNode(new Node("Relu", "relu", List.of("x"), List.of("h")));
        g.addNode(new Node("Neg", "neg", List.of("h"), List.of("kept")));
        g.addNode(new Node("Mul", "mul", List.of("h", "w"), List.of("m")));
        g.addNode(new Node("Sigmoid", "sig", List.of("m"), List.of("pooled")));
        Model m = new Model(g);
        m.opsets().put("", 13L);
        return m;
    }

    @Test
    void keepOutputsDropsWhatOnlyTheOthersNeed() {
        Model m = twoOutputs();
        assertEquals(2, GraphCleanup.keepOutputs(m.graph(), List.of("kept")));
        assertEquals(List.of("relu", "neg"), m.graph().nodes().stream().map(Node::name).toList());
        assertEquals(List.of("kept"), m.graph().outputs().stream().map(ValueInfo::name).toList());
        assertTrue(m.graph().initializers().isEmpty(), "the Mul's weight goes with it");
        Tensor out = new Executor(m).run(Map.of("x", Tensor.of(new float[] {-1, 0, 2}, 1, 3))).get("kept");
        assertEquals(List.of(-0f, -0f, -2f), List.of(out.floats()[0], out.floats()[1], out.floats()[2]));
    }

    @Test
    void anUnknownOutputIsNamedWithTheModelsOutputs() {
        LowbitException e = assertThrows(LowbitException.class,
                () -> GraphCleanup.keepOutputs(twoOutputs().graph(), List.of("nope")));
        assertEquals("the model has no output 'nope' (its outputs: kept, pooled)", e.getMessage());
    }
}
