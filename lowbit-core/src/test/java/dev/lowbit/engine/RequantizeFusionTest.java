package dev.lowbit.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.lowbit.exec.Executor;
import dev.lowbit.exec.OpRegistry;
import dev.lowbit.onnx.Graph;
import dev.lowbit.onnx.Model;
import dev.lowbit.onnx.Node;
import dev.lowbit.onnx.ValueInfo;
import dev.lowbit.tensor.DType;
import dev.lowbit.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * DequantizeLinear -> [Relu] -> QuantizeLinear becomes one table op whose output equals the float
 * ops' output for every one of the 256 input bytes, for every pairing of u8/s8 input and output.
 */
class RequantizeFusionTest {
    @ParameterizedTest
    @CsvSource({"true,true,false", "true,false,false", "false,true,false", "false,false,false",
            "true,true,true", "true,false,true", "false,false,true"})
    void tableEqualsTheFloatOpsForEveryByte(boolean inUnsigned, boolean outUnsigned, boolean relu) {
        Model m = chain(inUnsigned, outUnsigned, relu);
        Model fused = QdqFusion.forExecution(m);
        List<String> ops = fused.graph().nodes().stream()
                .filter(n -> n.domain().equals(OpRegistry.ENGINE_DOMAIN)).map(Node::opType).toList();
        assertEquals(List.of(relu ? "RequantizeRelu" : "Requantize"), ops, "fused graph: " + fused.graph().nodes());
        // Inputs spanning the first QuantizeLinear's whole range (and beyond, to saturate): every byte occurs.
        float[] x = new float[1200];
        for (int i = 0; i < x.length; i++) {
            x[i] = (i - 600) * 0.0131f;
        }
        Tensor in = Tensor.of(x, 1, x.length);
        float[] expected = new Executor(m).run(Map.of("x", in)).get("y").floats();
        float[] actual = new JavaEngine(m).run(Map.of("x", in)).get("y").floats();
        assertArrayEquals(expected, actual);
    }

    /** x -> Q(s1) -> DQ -> [Relu] -> Q(s2, another zero point) -> DQ -> y. */
    private static Model chain(boolean inUnsigned, boolean outUnsigned, boolean relu) {
        Graph g = new Graph("chain");
        g.inputs().add(ValueInfo.of("x", DType.FLOAT, 1, 1200));
        g.outputs().add(ValueInfo.of("y", DType.FLOAT, 1, 1200));
        g.setInitializer("s1", Tensor.scalar(0.0309f));
        g.setInitializer("z1", zeroPoint(inUnsigned, inUnsigned ? 131 : -7));
        g.setInitializer("s2", Tensor.scalar(0.0217f));
        g.setInitializer("z2", zeroPoint(outUnsigned, outUnsigned ? 40 : 12));
        g.addNode(node("QuantizeLinear", List.of("x", "s1", "z1"), "q1"));
        g.addNode(node("DequantizeLinear", List.of("q1", "s1", "z1"), "d1"));
        String beforeQ = "d1";
        if (relu) {
            g.addNode(node("Relu", List.of("d1"), "r"));
            beforeQ = "r";
        }
        g.addNode(node("QuantizeLinear", List.of(beforeQ, "s2", "z2"), "q2"));
        g.addNode(node("DequantizeLinear", List.of("q2", "s2", "z2"), "y"));
        Model m = new Model(g);
        m.opsets().put("", 17L);
        return m;
    }

    private static Tensor zeroPoint(boolean unsigned, int value) {
        Tensor z = Tensor.zeros(unsigned ? DType.UINT8 : DType.INT8);
        z.bytes()[0] = (byte) value;
        return z;
    }

    private static Node node(String op, List<String> inputs, String output) {
        return new Node(op, output, new ArrayList<>(inputs), new ArrayList<>(List.of(output)));
    }
}
