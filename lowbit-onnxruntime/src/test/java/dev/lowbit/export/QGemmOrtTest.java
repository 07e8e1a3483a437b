package dev.lowbit.export;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lowbit.onnxruntime.OnnxRuntimeEngine;
import dev.lowbit.exec.Executor;
import dev.lowbit.onnx.Attribute;
import dev.lowbit.onnx.Graph;
import dev.lowbit.onnx.Model;
import dev.lowbit.onnx.Node;
import dev.lowbit.onnx.ValueInfo;
import dev.lowbit.quant.QuantPlan;
import dev.lowbit.ptq.QuantPlanner;
import dev.lowbit.tensor.DType;
import dev.lowbit.tensor.Tensor;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** DQ -> Gemm -> Q becomes com.microsoft QGemm; lowbit's QGemm equals ONNX Runtime's bit for bit. */
class QGemmOrtTest {
    @Test
    void qgemmMatchesOnnxRuntimeExactly() {
        Random rnd = new Random(7);
        for (int transB = 0; transB <= 1; transB++) {
            int k = 24;
            int n = 10;
            float[] w = new float[k * n];
            for (int i = 0; i < w.length; i++) {
                w[i] = (float) rnd.nextGaussian() * 0.3f;
            }
            float[] b = new float[n];
            for (int i = 0; i < n; i++) {
                b[i] = (float) rnd.nextGaussian();
            }
            Graph g = new Graph("g");
            g.inputs().add(ValueInfo.of("x", DType.FLOAT, -1, k));
            g.outputs().add(ValueInfo.of("y", DType.FLOAT, -1, n));
            g.setInitializer("w", transB == 1 ? Tensor.of(w, n, k) : Tensor.of(w, k, n));
            g.setInitializer("b", Tensor.of(b, n));
            g.addNode(new Node("Gemm", "fc", List.of("x", "w", "b"), List.of("h")).set(Attribute.ofInt("transB", transB)));
            g.addNode(new Node("Relu", "relu", List.of("h"), List.of("y")));
            Model m = new Model(g);
            m.opsets().put("", 13L);
            QuantPlan plan = QuantPlanner.plan(g, Set.of());
            int axis = transB == 1 ? 0 : 1;
            Model q = QdqWriter.write(m, plan, a -> QdqParams.perTensor(a.equals("x") ? 0.02f : 0.05f, a.equals("x") ? 128 : 0, DType.UINT8),
                    (name, t, ax) -> {
                        int c = t.dim(ax);
                        float[] scales = new float[c];
                        for (int j = 0; j < c; j++) {
                            scales[j] = 0.01f + 0.001f * j;
                        }
                        Tensor v = Tensor.zeros(DType.INT8, t.shapeRef());
                        int inner = ax == 0 ? t.dim(1) : 1;
                        for (int i = 0; i < t.size(); i++) {
                            int ch = ax == 0 ? i / inner : i % c;
                            v.bytes()[i] = (byte) Math.max(-127, Math.min(127, Math.rint(t.floats()[i] / scales[ch])));
                        }
                        return new QdqWriter.QuantizedWeight(v, new QdqParams(scales, new int[c], ax, DType.INT8));
                    });
            assertTrue(axis >= 0);
            QOperatorWriter.convert(q);
            assertTrue(q.graph().nodes().stream().anyMatch(nd -> nd.opType().equals("QGemm")), q.graph().nodes().toString());
            float[] x = new float[16 * k];
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) rnd.nextGaussian() * 1.5f;
            }
            Tensor in = Tensor.of(x, 16, k);
            float[] ours = new Executor(q).run(Map.of("x", in)).get("y").floats();
            float[] ort;
            try (OnnxRuntimeEngine e = OnnxRuntimeEngine.builder().build(q)) {
                ort = e.run(Map.of("x", in)).get("y").floats();
            }
            assertArrayEquals(ort, ours, 0f, "transB=" + transB);
        }
    }
}
