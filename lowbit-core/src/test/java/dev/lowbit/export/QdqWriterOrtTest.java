package dev.lowbit.export;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import dev.lowbit.onnx.Model;
import dev.lowbit.onnx.ModelIO;
import dev.lowbit.onnx.Node;
import dev.lowbit.passes.BatchNormFolding;
import dev.lowbit.quant.QuantPlan;
import dev.lowbit.ptq.QuantPlanner;
import dev.lowbit.ptq.QuantPlannerTest;
import dev.lowbit.tensor.DType;
import dev.lowbit.tensor.Tensor;
import java.nio.FloatBuffer;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The QDQ and QOperator files lowbit writes load in ONNX Runtime and compute what their scales say. */
class QdqWriterOrtTest {
    static float[] runOrt(Model m, float[] x, long[] shape) throws Exception {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession s = env.createSession(ModelIO.toProto(m).toByteArray(), new OrtSession.SessionOptions());
             OnnxTensor in = OnnxTensor.createTensor(env, FloatBuffer.wrap(x), shape);
             OrtSession.Result r = s.run(Map.of("x", in))) {
            return ((OnnxTensor) r.get(0)).getFloatBuffer().array();
        }
    }

    static Model quantized(boolean qoperator) {
        Model m = new Model(QuantPlannerTest.residualGraphForTests());
        m.opsets().put("", 13L);
        BatchNormFolding.apply(m.graph());
        QuantPlan plan = QuantPlanner.plan(m.graph(), Set.of());
        // Fixed, generous uint8 ranges: [0, 16] for everything (inputs are in [0, 1]).
        Model q = QdqWriter.write(m, plan, a -> QdqParams.perTensor(16f / 255, 0, DType.UINT8), (name, w, axis) -> {
            int c = w.dim(axis);
            float[] scales = new float[c];
            int inner = w.size() / c;
            Tensor values = Tensor.zeros(DType.INT8, w.shapeRef());
            for (int o = 0; o < c; o++) {
                float amax = 0;
                for (int i = 0; i < inner; i++) {
                    amax = Math.max(amax, Math.abs(w.floats()[o * inner + i]));
                }
                scales[o] = amax / 127;
                for (int i = 0; i < inner; i++) {
                    values.bytes()[o * inner + i] = (byte) Math.rint(w.floats()[o * inner + i] / scales[o]);
                }
            }
            return new QdqWriter.QuantizedWeight(values, new QdqParams(scales, new int[c], axis, DType.INT8));
        });
        if (qoperator) {
            QOperatorWriter.convert(q);
        }
        return q;
    }

    @Test
    void qdqAndQOperatorModelsRunInOnnxRuntimeCloseToFloat() throws Exception {
        Model f = new Model(QuantPlannerTest.residualGraphForTests());
        f.opsets().put("", 13L);
        Random rnd = new Random(1);
        float[] x = new float[2 * 2 * 4 * 4];
        for (int i = 0; i < x.length; i++) {
            x[i] = rnd.nextFloat();
        }
        long[] shape = {2, 2, 4, 4};
        float[] ref = runOrt(f, x, shape);
        Model qdq = quantized(false);
        assertTrue(qdq.graph().nodes().stream().anyMatch(n -> n.opType().equals("QuantizeLinear")));
        float[] got = runOrt(qdq, x, shape);
        Model qop = quantized(true);
        long qlinear = qop.graph().nodes().stream().filter(n -> n.opType().equals("QLinearConv")).count();
        assertEquals(2, qlinear, qop.graph().nodes().stream().map(Node::opType).toList().toString());
        float[] got2 = runOrt(qop, x, shape);
        assertEquals(ref.length, got.length);
        for (int i = 0; i < ref.length; i++) {
            // Softmax output: the quantized model agrees within the coarse [0,16]/255 grid's effect.
            assertEquals(ref[i], got[i], 0.05, "qdq element " + i);
            assertEquals(got[i], got2[i], 0.02, "qoperator vs qdq element " + i);
        }
    }
}
