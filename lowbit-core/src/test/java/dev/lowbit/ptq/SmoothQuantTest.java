package dev.lowbit.ptq;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
import java.util.Random;
import org.junit.jupiter.api.Test;

class SmoothQuantTest {
    /**
     * x[N,1,8,8] → Conv (6, channel scales e^±2) → Mul(0.7) → Add(0.1) → "a" → Conv "c2" (4);
     * Conv → Relu → "r" → Conv "c3" (4); y = c2 + c3. "a" can be divided at its Mul/Add, "r" needs
     * an inserted Mul.
     */
    private static Model model() {
        Random r = new Random(3);
        Graph g = new Graph("smooth");
        g.inputs().add(ValueInfo.of("x", DType.FLOAT, -1, 1, 8, 8));
        g.outputs().add(ValueInfo.of("y", DType.FLOAT, -1, 4, 8, 8));
        g.setInitializer("w1", CrossLayerEqualizationTest.weight(r, 6, 1, 3, 3));
        g.setInitializer("w2", CrossLayerEqualizationTest.weight(r, 4, 6, 1, 1));
        g.setInitializer("w3", CrossLayerEqualizationTest.weight(r, 4, 6, 1, 1));
        g.setInitializer("scale", Tensor.of(new float[] {0.7f}, 1));
        g.setInitializer("shift", Tensor.of(new float[] {0.1f}, 1));
        g.addNode(new Node("Conv", "c1", List.of("x", "w1"), List.of("h")).set(dev.lowbit.onnx.Attribute.ofInts("pads", 1, 1, 1, 1)));
        g.addNode(new Node("Mul", "m", List.of("h", "scale"), List.of("hm")));
        g.addNode(new Node("Add", "b", List.of("hm", "shift"), List.of("a")));
        g.addNode(new Node("Conv", "c2", List.of("a", "w2"), List.of("y2")));
        g.addNode(new Node("Relu", "relu", List.of("h"), List.of("rl")));
        g.addNode(new Node("Conv", "c3", List.of("rl", "w3"), List.of("y3")));
        g.addNode(new Node("Add", "sum", List.of("y2", "y3"), List.of("y")));
        Model m = new Model(g);
        m.opsets().put("", 13L);
        return m;
    }

    @Test
    void balancesActivationAndWeightChannelsWithoutChangingTheFunction() {
        Model m = model();
        Tensor x = TinyNets.images(5, 24);
        PtqResult r = new PostTrainingQuantizer(PtqConfig.builder().build()).step(new SmoothQuant(0.5))
                .quantize(m, TinyNets.dataset(x, null));
        assertTrue(r.notes().get("smoothquant").contains("2 activations smoothed")
                && r.notes().get("smoothquant").contains("1 folded") && r.notes().get("smoothquant").contains("1 by an inserted Mul"),
                r.notes().toString());
        Model s = r.prepared();
        float[] before = new Executor(m).run(Map.of("x", x)).get("y").floats();
        float[] after = new Executor(s).run(Map.of("x", x)).get("y").floats();
        for (int i = 0; i < before.length; i++) {
            assertEquals(before[i], after[i], 1e-4 * (1 + Math.abs(before[i])), "output " + i);
        }
        // alpha 0.5: after smoothing, each channel's max |x| equals its max |w| (sqrt of their product)
        for (Node reader : List.of(s.graph().node("c2"), s.graph().node("c3"))) {
            double[] xMax = channelMax(s, x, reader.input(0));
            float[] w = s.graph().initializer(reader.input(1)).floats();
            for (int j = 0; j < 6; j++) {
                double wMax = 0;
                for (int o = 0; o < 4; o++) {
                    wMax = Math.max(wMax, Math.abs(w[o * 6 + j]));
                }
                assertEquals(wMax, xMax[j], 1e-3 * wMax, reader.name() + " channel " + j);
            }
        }
    }

    private static double[] channelMax(Model m, Tensor x, String value) {
        double[] max = new double[6];
        Tensor v = new Executor(m).run(Map.of("x", x), null, java.util.Set.of(value)).get(value);
        float[] a = v.floats();
        for (int i = 0; i < a.length; i++) {
            int c = (i / 64) % 6;
            max[c] = Math.max(max[c], Math.abs(a[i]));
        }
        return max;
    }

    @Test
    void alphaOutsideZeroToOneIsRefused() {
        LowbitException e = org.junit.jupiter.api.Assertions.assertThrows(LowbitException.class, () -> new SmoothQuant(1.5));
        assertTrue(e.getMessage().contains("[0, 1]"), e.getMessage());
    }
}
