package dev.lowbit.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.lowbit.exec.OpRegistry;
import dev.lowbit.onnx.Attribute;
import dev.lowbit.onnx.Model;
import dev.lowbit.onnx.ModelIO;
import dev.lowbit.tensor.DType;
import dev.lowbit.tensor.Tensor;
import dev.lowbit.testutil.Ort;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * lowbit's engine runs QDQ models as ONNX Runtime's CPU provider does with every optimisation on
 * x86-64 (the deployment lowbit's numbers must equal): each graph below, with uint8 and with int8
 * activations, gives bit-identical outputs in both. The graphs hold the patterns exporters write:
 * a residual block whose shared int8 activation keeps two convs in float on x86 while the rest
 * fuses into QLinearConv, QLinearAdd, QLinearGlobalAveragePool and QGemm; Relu and Clip that
 * QuantizeLinear makes redundant or not; pools, Sigmoid, LeakyRelu and Concat; data movement on
 * the integers; Mul and Add with broadcast constants. Float convs left in the graph are 1x1 or
 * single-channel ones, where lowbit's float kernels sum in MLAS's order.
 */
class QdqExecutionOrtTest {
    private static void assertSameAsOrt(Model m, Map<String, Tensor> feeds) {
        Map<String, Tensor> ours = new JavaEngine(m, 2).run(feeds);
        Map<String, Tensor> theirs;
        try (Ort ort = Ort.openOptimized(ModelIO.toProto(m).toByteArray(), 2)) {
            theirs = ort.run(feeds);
        }
        assertEquals(theirs.keySet(), ours.keySet());
        for (String name : theirs.keySet()) {
            assertArrayEquals(theirs.get(name).shapeRef(), ours.get(name).shapeRef(), name);
            assertArrayEquals(theirs.get(name).floats(), ours.get(name).floats(), 0f, name + ": lowbit and ONNX Runtime differ");
        }
    }

    @ParameterizedTest
    @EnumSource(names = {"UINT8", "INT8"})
    void residualBlockToClassifier(DType t) {
        QdqGraphBuilder b = new QdqGraphBuilder(t, 1);
        String x = b.qdq(b.input("x", 3, 4, 9, 11), 0.03f, b.zeroPoint());
        String a = b.qdq(b.node("Relu", List.of(b.conv(x, 4, 8, 3))), 0.02f, 0.05f);
        // a is read twice: with int8 activations its QuantizeLinear keeps int8 and both convs stay float on x86
        String left = b.qdq(b.conv(a, 8, 8, 1), 0.03f, 0.06f);
        String right = b.qdq(b.conv(a, 8, 8, 1), 0.03f, 0.06f);
        String sum = b.qdq(b.node("Add", List.of(left, right)), 0.05f, 0.09f);
        String relu = b.qdq(b.node("Relu", List.of(sum)), 0.03f, t == DType.UINT8 ? 0 : -128);
        float s = 0.02f;
        int zp = b.zeroPoint();
        String pooled = b.qdq(b.node("GlobalAveragePool", List.of(relu)), s, zp);
        String flat = b.qdq(b.node("Flatten", List.of(pooled)), s, zp);
        String logits = b.node("Gemm", List.of(flat, b.weights(10, 8), b.bias(10)), Attribute.ofInt("transB", 1));
        Model m = b.model(b.qdq(logits, 0.1f, 0.2f));
        assertSameAsOrt(m, Map.of("x", b.floats(-1f, 3f, 3, 4, 9, 11)));
    }

    /**
     * A residual Add requantized for the Relu after it (DQ -> Add -> Q(sa) -> DQ -> Relu -> Q(sr)),
     * lowbit folds the Requantize table into the QLinearAdd, which maps each row as it writes it
     * (OpRegistry.OUTPUT_TABLE); ORT runs the DequantizeLinear, Relu and QuantizeLinear in float.
     * Same bytes.
     */
    @ParameterizedTest
    @EnumSource(names = {"UINT8", "INT8"})
    void residualAddRequantizedForItsRelu(DType t) {
        QdqGraphBuilder b = new QdqGraphBuilder(t, 8);
        String x = b.qdq(b.input("x", 2, 6, 9, 7), 0.03f, b.zeroPoint());
        String y = b.qdq(b.input("y", 2, 6, 9, 7), 0.02f, b.zeroPoint());
        String sum = b.qdq(b.node("Add", List.of(x, y)), 0.045f, b.zeroPoint());
        String relu = b.qdq(b.node("Relu", List.of(sum)), 0.031f, t == DType.UINT8 ? 3 : -120);
        Model m = b.model(relu);
        Model fused = QdqFusion.forExecution(m);
        long folded = fused.graph().nodes().stream()
                .filter(n -> n.opType().equals("QLinearAdd") && n.has(OpRegistry.OUTPUT_TABLE)).count();
        assertEquals(1, folded, "the table folded into the Add: " + fused.graph().nodes());
        assertSameAsOrt(m, Map.of("x", b.floats(-2f, 3f, 2, 6, 9, 7), "y", b.floats(-3f, 2f, 2, 6, 9, 7)));
    }

    /**
     * A transformer's quantized MatMuls, whose outputs have no QuantizeLinear: activation x per-column
     * weight then a float bias Add, and activation x activation as attention's scores, become
     * com.microsoft MatMulIntegerToFloat in both engines. With int8 activations, x's QuantizeLinear
     * feeds two DequantizeLinear nodes, stays int8 and keeps its two MatMuls float on x86; the
     * scores' inputs turn uint8 and still convert.
     */
    @ParameterizedTest
    @EnumSource(names = {"UINT8", "INT8"})
    void matMulsWithFloatOutputs(DType t) {
        QdqGraphBuilder b = new QdqGraphBuilder(t, 5);
        // batch and sequence symbolic, as transformer exports declare them: ORT's MatMulAddFusion
        // (level 1) needs A's whole shape and would otherwise turn MatMul + bias into a float Gemm first
        String x = b.qdq(b.dynamicInput("x", 40), 0.03f, b.zeroPoint());
        String query = b.node("Add", List.of(b.floats(randomBias(b, 24)), b.node("MatMul", List.of(x, b.matMulWeights(40, 24)))));
        String key = b.node("Add", List.of(b.node("MatMul", List.of(x, b.matMulWeights(40, 24))), b.floats(randomBias(b, 24))));
        String q = b.qdq(query, 0.02f, 0.04f);
        String kT = b.qdq(b.node("Transpose", List.of(key), Attribute.ofInts("perm", 0, 2, 1)), 0.02f, 0.04f);
        String scores = b.node("Div", List.of(b.node("MatMul", List.of(q, kT)), b.floats(8f)));
        // key is no graph output: ORT returns it off the float value by under half a quantization
        // step (apparently its QDQ propagation around the Transpose, which lowbit does not model)
        Model m = b.model(query, scores);
        long fused = QdqFusion.forExecution(m).graph().nodes().stream()
                .filter(n -> n.opType().equals("MatMulIntegerToFloat")).count();
        assertEquals(t == DType.UINT8 ? 3 : 1, fused, "MatMulIntegerToFloat nodes");
        assertSameAsOrt(m, Map.of("x", b.floats(-2f, 3f, 2, 7, 40)));
    }

    private static float[] randomBias(QdqGraphBuilder b, int n) {
        return b.floats(-1f, 1f, n).floats();
    }

    @ParameterizedTest
    @EnumSource(names = {"UINT8", "INT8"})
    void redundantAndKeptClips(DType t) {
        QdqGraphBuilder b = new QdqGraphBuilder(t, 2);
        String x = b.qdq(b.input("x", 2, 3, 8, 8), 0.03f, b.zeroPoint());
        int min = t == DType.UINT8 ? 0 : -128;
        String six = b.floats(6f);
        String zero = b.floats(0f);
        // Q's range [0, 6] within float epsilon of the Clip's: Clip dropped, QLinearConv
        String fused = b.qdq(b.node("Clip", List.of(b.conv(x, 3, 8, 1), zero, six)), 6f / 255, min);
        // Clip(0, 5.5) narrower than Q's range: it stays, and its Conv in float
        String kept = b.qdq(b.node("Clip", List.of(b.conv(x, 3, 8, 1), zero, b.floats(5.5f))), 6f / 255, min);
        // Relu before a Q whose zero point is not the minimum stays too
        String relu = b.qdq(b.node("Relu", List.of(b.conv(x, 3, 8, 1))), 0.02f, min + 20);
        assertSameAsOrt(b.model(fused, kept, relu), Map.of("x", b.floats(-2f, 4f, 2, 3, 8, 8)));
    }

    @ParameterizedTest
    @EnumSource(names = {"UINT8", "INT8"})
    void poolsTablesAndConcat(DType t) {
        QdqGraphBuilder b = new QdqGraphBuilder(t, 3);
        String in = b.input("x", 2, 6, 9, 9);
        float s = 0.035f;
        int zp = b.zeroPoint();
        String avg = b.qdq(b.node("AveragePool", List.of(b.qdq(in, 0.04f, b.zeroPoint())), Attribute.ofInts("kernel_shape", 3, 3),
                Attribute.ofInts("strides", 2, 2), Attribute.ofInts("pads", 1, 1, 1, 1)), s, zp);
        String max = b.qdq(b.node("MaxPool", List.of(avg), Attribute.ofInts("kernel_shape", 2, 2)), s, zp);
        String sigmoid = b.qdq(b.node("Sigmoid", List.of(b.qdq(in, 0.05f, b.zeroPoint()))), 1f / 256, t == DType.UINT8 ? 0 : -128);
        String leaky = b.qdq(b.node("LeakyRelu", List.of(b.qdq(in, 0.05f, b.zeroPoint())), Attribute.ofFloat("alpha", 0.1f)),
                0.03f, 0.05f);
        float cs = 0.04f;
        int cz = b.zeroPoint();
        String cat = b.qdq(b.node("Concat", List.of(sigmoid, leaky), Attribute.ofInt("axis", 1)), cs, cz);
        String moved = b.qdq(b.node("Transpose", List.of(cat), Attribute.ofInts("perm", 0, 2, 3, 1)), cs, cz);
        String reshaped = b.qdq(b.node("Reshape", List.of(moved, b.longs(2, -1))), cs, cz);
        assertSameAsOrt(b.model(max, reshaped), Map.of("x", b.floats(-3f, 3f, 2, 6, 9, 9)));
    }
}
