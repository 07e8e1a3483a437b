package dev.lowbit.ptq;

import dev.lowbit.quant.QuantPlan;
import dev.lowbit.passes.BatchNormFolding;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lowbit.onnx.Attribute;
import dev.lowbit.onnx.Graph;
import dev.lowbit.onnx.Node;
import dev.lowbit.onnx.ValueInfo;
import dev.lowbit.tensor.DType;
import dev.lowbit.tensor.Tensor;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

public class QuantPlannerTest {
    /** x -> Conv(w1,b1) -> BN -> Relu -> MaxPool -> Conv(w2) -> Add(skip from pool) -> Relu -> Softmax. */
    public static Graph residualGraphForTests() {
        return residualGraph();
    }

    static Graph residualGraph() {
        Graph g = new Graph("g");
        g.inputs().add(ValueInfo.of("x", DType.FLOAT, -1, 2, 4, 4));
        g.outputs().add(ValueInfo.of("prob", DType.FLOAT, -1, 2, 2, 2));
        g.setInitializer("w1", Tensor.of(new float[] {1, 2, 3, 4}, 2, 2, 1, 1));
        g.setInitializer("b1", Tensor.of(new float[] {0.5f, -0.5f}, 2));
        g.setInitializer("gamma", Tensor.of(new float[] {2, 3}, 2));
        g.setInitializer("beta", Tensor.of(new float[] {0.1f, 0.2f}, 2));
        g.setInitializer("mean", Tensor.of(new float[] {1, -1}, 2));
        g.setInitializer("var", Tensor.of(new float[] {4, 9}, 2));
        g.setInitializer("w2", Tensor.of(new float[] {1, 0, 0, 1}, 2, 2, 1, 1));
        g.addNode(new Node("Conv", "conv1", List.of("x", "w1", "b1"), List.of("c1")));
        g.addNode(new Node("BatchNormalization", "bn1", List.of("c1", "gamma", "beta", "mean", "var"), List.of("n1"))
                .set(Attribute.ofFloat("epsilon", 0f)));
        g.addNode(new Node("Relu", "relu1", List.of("n1"), List.of("r1")));
        g.addNode(new Node("MaxPool", "pool", List.of("r1"), List.of("p"))
                .set(Attribute.ofInts("kernel_shape", 2, 2)).set(Attribute.ofInts("strides", 2, 2)));
        g.addNode(new Node("Conv", "conv2", List.of("p", "w2"), List.of("c2")));
        g.addNode(new Node("Add", "add", List.of("c2", "p"), List.of("s")));
        g.addNode(new Node("Relu", "relu2", List.of("s"), List.of("r2")));
        g.addNode(new Node("Softmax", "softmax", List.of("r2"), List.of("prob")));
        return g;
    }

    @Test
    void batchNormFoldsIntoConvWithTheFormula() {
        Graph g = residualGraph();
        assertEquals(1, BatchNormFolding.apply(g));
        Node conv = g.nodes().get(0);
        assertEquals("n1", conv.output(0));
        assertTrue(g.nodes().stream().noneMatch(n -> n.opType().equals("BatchNormalization")));
        // channel 0: s = 2/sqrt(4) = 1; channel 1: s = 3/sqrt(9) = 1 -> weights unchanged
        assertArrayEquals(new float[] {1, 2, 3, 4}, g.initializer(conv.input(1)).floats());
        // b' = (b - mean) * s + beta
        assertArrayEquals(new float[] {(0.5f - 1) * 1 + 0.1f, (-0.5f + 1) * 1 + 0.2f}, g.initializer(conv.input(2)).floats(), 1e-6f);
        assertTrue(g.initializer("gamma") == null, "BN parameters are dropped");
    }

    @Test
    void quantizersGoWhereIntegerKernelsFuse() {
        Graph g = residualGraph();
        BatchNormFolding.apply(g);
        QuantPlan plan = QuantPlanner.plan(g, Set.of());
        // Conv1 output is quantized after its Relu, not between them.
        assertFalse(plan.activations().contains("n1"));
        assertTrue(plan.activations().contains("r1"));
        assertTrue(plan.activations().contains("x"));
        // MaxPool output reuses its input's parameters.
        assertEquals("r1", plan.sharedParams().get("p"));
        // Add: both inputs and its own output quantized; the following Relu quantizes its output too.
        assertTrue(plan.activations().contains("c2"));
        assertTrue(plan.activations().contains("r2"));
        assertTrue(plan.activations().contains("s"));
        assertEquals(2, plan.weights().size());
        assertEquals(0, plan.weights().get(0).channelAxis());
        assertEquals(1, plan.biases().size());
        assertTrue(plan.floatNodes().containsKey("softmax"));
        assertEquals(List.of("x", "r1", "c2", "s", "r2"), plan.calibratedActivations());
    }

    @Test
    void excludedNodesStayFloat() {
        Graph g = residualGraph();
        BatchNormFolding.apply(g);
        QuantPlan plan = QuantPlanner.plan(g, Set.of("conv2"));
        assertTrue(plan.floatNodes().containsKey("conv2"));
        assertEquals(1, plan.weights().size());
    }
}
