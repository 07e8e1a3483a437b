package dev.lowbit.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lowbit.export.QdqParams;
import dev.lowbit.export.QdqWriter;
import dev.lowbit.onnx.Graph;
import dev.lowbit.onnx.Model;
import dev.lowbit.onnx.ModelIO;
import dev.lowbit.onnx.Node;
import dev.lowbit.onnx.ValueInfo;
import dev.lowbit.ptq.QuantPlanner;
import dev.lowbit.tensor.DType;
import dev.lowbit.tensor.Parallel;
import dev.lowbit.tensor.Tensor;
import dev.lowbit.testutil.Ort;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Quantized MobileNetV2-style blocks on channel-blocked activations: a QDQ export of
 * {@link BlockedLayoutTest}'s network with a pooled head, uint8 activations (ReLU6 outputs on
 * [0, 6], the others with zero points and scales that differ from tensor to tensor), int8
 * per-channel weights. Its 1x1 and depthwise QLinearConvs become requantizing BlockedConvs, the
 * residual QLinearAdd is folded into the projection before it and the pool reads the blocks; the outputs are ONNX Runtime's (all optimisations, its integer kernels) bit for bit,
 * on 1 to 3 threads.
 */
class QuantizedBlockedLayoutTest {
    private static Model quantizedNetwork() {
        Model f = BlockedLayoutTest.network(false);
        Graph g = f.graph();
        g.outputs().clear();
        g.outputs().add(ValueInfo.of("p", DType.FLOAT, -1, 20, 1, 1));
        g.addNode(new Node("GlobalAveragePool", "gap", new ArrayList<>(List.of("y")), new ArrayList<>(List.of("p"))));
        return QdqWriter.write(f, QuantPlanner.plan(g, Set.of()), name -> {
            if (name.endsWith("6")) {
                return QdqParams.perTensor(6f / 255, 0, DType.UINT8); // ReLU6 outputs: the Clip drops out, as in exports
            }
            int h = Math.abs(name.hashCode());
            float scale = 0.02f + (h % 7) * 0.004f;
            return QdqParams.perTensor(scale, 60 + h % 90, DType.UINT8);
        }, (name, w, axis) -> {
            int c = w.dim(axis), inner = w.size() / c;
            float[] scales = new float[c];
            Tensor values = Tensor.zeros(DType.INT8, w.shapeRef());
            for (int o = 0; o < c; o++) {
                float amax = 1e-6f;
                for (int i = 0; i < inner; i++) {
                    amax = Math.max(amax, Math.abs(w.floats()[o * inner + i]));
                }
                scales[o] = amax / 127;
                for (int i = 0; i < inner; i++) {
                    values.bytes()[o * inner + i] = (byte) Math.rint(w.floats()[o * inner + i] / scales[o]);
                }
            }
            return new QdqWriter.QuantizedWeight(values, new QdqParams(scales, new int[c], axis, DType.INT8, -128, 127));
        });
    }

    @Test
    void quantizedStacksRunOnBlocks() {
        List<String> ops = QdqFusion.forExecution(quantizedNetwork()).graph().nodes().stream().map(Node::opType).toList();
        assertEquals(6, ops.stream().filter(o -> o.equals("BlockedConv")).count(), ops.toString());
        // The residual QLinearAdd is folded into the projection that makes one of its inputs.
        assertTrue(!ops.contains("ShiftedQLinearAdd") && !ops.contains("QLinearAdd"), ops.toString());
        assertTrue(ops.contains("QLinearGlobalAveragePoolBlocks"), ops.toString());
        assertEquals(1, ops.stream().filter(o -> o.equals("QLinearConv")).count(), "only the stem: " + ops);
        assertEquals(1, ops.stream().filter(o -> o.equals("ToBlocks")).count(), ops.toString());
        assertEquals(0, ops.stream().filter(o -> o.equals("FromBlocks")).count(), ops.toString());
    }

    @Test
    void outputsAreOnnxRuntimes() {
        Model q = quantizedNetwork();
        int threadsBefore = Parallel.threads();
        try (Ort ort = Ort.openOptimized(ModelIO.toProto(q).toByteArray(), 2)) {
            for (int batch : new int[] {1, 3}) {
                Tensor x = ResidualFusionTest.randomFloats(new Random(20 + batch), batch, 3, 10, 10);
                float[] expected = ort.run(Map.of("x", x)).get("p").floats();
                for (int threads : new int[] {1, 2, 3}) {
                    Parallel.setThreads(threads);
                    float[] actual = new JavaEngine(q).run(Map.of("x", x)).get("p").floats();
                    assertArrayEquals(expected, actual, 0f, "batch " + batch + " threads " + threads);
                }
            }
        } finally {
            Parallel.setThreads(threadsBefore);
        }
    }
}
