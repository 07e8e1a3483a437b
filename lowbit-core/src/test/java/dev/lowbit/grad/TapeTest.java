package dev.lowbit.grad;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lowbit.exec.Executor;
import dev.lowbit.onnx.Attribute;
import dev.lowbit.onnx.Graph;
import dev.lowbit.onnx.Model;
import dev.lowbit.onnx.Node;
import dev.lowbit.onnx.ValueInfo;
import dev.lowbit.tensor.DType;
import dev.lowbit.tensor.Tensor;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Whole-graph back-propagation: parameters, fan-out accumulation, fake quantization, losses. */
class TapeTest {
    private final Random rng = new Random(11);

    /** x -> Conv(w1,b1) -> Relu -> Add(residual from a 1x1 Conv) -> GlobalAveragePool -> Flatten -> Gemm(w2,b2). */
    private Model smallNet() {
        Graph g = new Graph("net");
        g.inputs().add(ValueInfo.of("x", DType.FLOAT, 2, 2, 5, 5));
        g.outputs().add(new ValueInfo("logits", null, null));
        g.setInitializer("w1", GradCheckTest.random(rng, 3, 2, 3, 3));
        g.setInitializer("b1", GradCheckTest.random(rng, 3));
        g.setInitializer("w0", GradCheckTest.random(rng, 3, 2, 1, 1));
        g.setInitializer("w2", GradCheckTest.random(rng, 4, 3));
        g.setInitializer("b2", GradCheckTest.random(rng, 4));
        Node conv = new Node("Conv", "conv", List.of("x", "w1", "b1"), List.of("c"));
        conv.set(Attribute.ofInts("pads", 1, 1, 1, 1));
        g.addNode(conv);
        g.addNode(new Node("Relu", "relu", List.of("c"), List.of("r")));
        g.addNode(new Node("Conv", "skip", List.of("x", "w0"), List.of("s")));
        g.addNode(new Node("Add", "add", List.of("r", "s"), List.of("a")));
        g.addNode(new Node("GlobalAveragePool", "gap", List.of("a"), List.of("p")));
        g.addNode(new Node("Flatten", "flat", List.of("p"), List.of("f")));
        Node gemm = new Node("Gemm", "fc", List.of("f", "w2", "b2"), List.of("logits"));
        gemm.set(Attribute.ofInt("transB", 1));
        g.addNode(gemm);
        Model m = new Model(g);
        m.opsets().put("", 13L);
        return m;
    }

    @Test
    void forwardMatchesTheExecutorAndParameterGradientsMatchFiniteDifferences() {
        Model m = smallNet();
        Tensor x = GradCheckTest.random(rng, 2, 2, 5, 5);
        Tensor labels = Tensor.of(new long[] {1, 3}, 2);
        Set<String> params = Set.of("w1", "b1", "w0", "w2", "b2");
        Tape tape = new Tape(m, params, false);
        Tensor logits = tape.forward(Map.of("x", x)).get("logits");
        assertArrayEquals(new Executor(m).run(Map.of("x", x)).get("logits").floats(), logits.floats(), 1e-6f);
        Losses.Loss loss = Losses.softmaxCrossEntropy(logits, labels);
        Map<String, Tensor> grads = tape.backward(Map.of("logits", loss.gradient()), List.of("w1", "b1", "w0", "w2", "b2", "x"));
        for (String p : List.of("w1", "b1", "w0", "w2", "b2")) {
            float[] w = tape.parameters().get(p).floats();
            for (int i = 0; i < w.length; i += Math.max(1, w.length / 10)) {
                float keep = w[i];
                w[i] = keep + 1e-2f;
                double plus = Losses.softmaxCrossEntropy(tape.forward(Map.of("x", x)).get("logits"), labels).value();
                w[i] = keep - 1e-2f;
                double minus = Losses.softmaxCrossEntropy(tape.forward(Map.of("x", x)).get("logits"), labels).value();
                w[i] = keep;
                double numeric = (plus - minus) / 2e-2;
                assertEquals(numeric, grads.get(p).floats()[i], 1e-3 + 5e-3 * Math.abs(numeric), p + "[" + i + "]");
            }
        }
        assertEquals(x.size(), grads.get("x").size()); // x feeds two convs: both contributions summed
        float[] xs = x.floats();
        int i = 17;
        float keep = xs[i];
        xs[i] = keep + 1e-2f;
        double plus = Losses.softmaxCrossEntropy(tape.forward(Map.of("x", x)).get("logits"), labels).value();
        xs[i] = keep - 1e-2f;
        double minus = Losses.softmaxCrossEntropy(tape.forward(Map.of("x", x)).get("logits"), labels).value();
        xs[i] = keep;
        assertEquals((plus - minus) / 2e-2, grads.get("x").floats()[i], 2e-3);
    }

    @Test
    void trainingStepsReduceTheLoss() {
        Model m = smallNet();
        Tensor x = GradCheckTest.random(rng, 2, 2, 5, 5);
        Tensor labels = Tensor.of(new long[] {1, 3}, 2);
        Tape tape = new Tape(m, Set.of("w1", "w2", "b2"), false);
        Map<String, Adam> opt = Map.of("w1", new Adam(54, 1e-2), "w2", new Adam(12, 1e-2), "b2", new Adam(4, 1e-2));
        double first = 0, last = 0;
        for (int step = 0; step < 50; step++) {
            Losses.Loss l = Losses.softmaxCrossEntropy(tape.forward(Map.of("x", x)).get("logits"), labels);
            first = step == 0 ? l.value() : first;
            last = l.value();
            Map<String, Tensor> g = tape.backward(Map.of("logits", l.gradient()), opt.keySet());
            opt.forEach((k, a) -> a.step(tape.parameters().get(k).floats(), g.get(k).floats()));
        }
        assertTrue(last < 0.5 * first, "loss " + first + " -> " + last);
        assertArrayEquals(m.graph().initializer("w1").shape(), tape.parameters().get("w1").shape());
    }

    @Test
    void fakeQuantizationPassesTheGradientInsideTheRangeOnly() {
        Graph g = new Graph("fq");
        g.inputs().add(ValueInfo.of("x", DType.FLOAT, 6));
        g.outputs().add(new ValueInfo("y", null, null));
        g.setInitializer("s", Tensor.scalar(0.1f));
        g.setInitializer("z", Tensor.wrap(DType.INT8, new int[0], new byte[] {0}));
        g.addNode(new Node("QuantizeLinear", "q", List.of("x", "s", "z"), List.of("q")));
        g.addNode(new Node("DequantizeLinear", "dq", List.of("q", "s", "z"), List.of("y")));
        Tape tape = new Tape(g, Map.of("", 13L), Set.of(), GradRegistry.standard(), false);
        Tensor x = Tensor.of(new float[] {-20f, -12.7f, -3.14f, 0.26f, 12.69f, 13f}, 6);
        Tensor y = tape.forward(Map.of("x", x)).get("y");
        assertArrayEquals(new float[] {-12.8f, -12.7f, -3.1f, 0.3f, 12.7f, 12.7f}, y.floats(), 1e-5f);
        Tensor dy = Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 6);
        float[] dx = tape.backward(Map.of("y", dy), List.of("x")).get("x").floats();
        assertArrayEquals(new float[] {0, 2, 3, 4, 5, 0}, dx, 1e-5f);
    }

    @Test
    void mseLossGradient() {
        Tensor p = Tensor.of(new float[] {1, 2, 3, 4}, 2, 2), t = Tensor.of(new float[] {1, 0, 3, 5}, 2, 2);
        Losses.Loss l = Losses.mse(p, t);
        assertEquals((4 + 1) / 4.0, l.value(), 1e-9);
        assertArrayEquals(new float[] {0, 1, 0, -0.5f}, l.gradient().floats(), 1e-7f);
        Losses.Loss ce = Losses.softmaxCrossEntropy(Tensor.of(new float[] {0, 0}, 1, 2), Tensor.of(new long[] {1}, 1));
        assertEquals(Math.log(2), ce.value(), 1e-9);
        assertArrayEquals(new float[] {0.5f, -0.5f}, ce.gradient().floats(), 1e-7f);
    }
}
