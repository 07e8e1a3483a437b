package dev.lowbit.exec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lowbit.testutil.TestResources;
import dev.lowbit.engine.JavaEngine;
import dev.lowbit.onnx.Graph;
import dev.lowbit.onnx.Model;
import dev.lowbit.onnx.ModelIO;
import dev.lowbit.onnx.Node;
import dev.lowbit.onnx.ValueInfo;
import dev.lowbit.tensor.DType;
import dev.lowbit.tensor.Tensor;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The executor recycles intermediate buffers from run to run (see BufferPool) without ever
 * reusing an array something still reads: views of a released value, kept values, graph outputs
 * the caller holds, inputs and initializers.
 */
class BufferRecyclingTest {
    private static final int N = 1024;

    /** A graph whose Reshape view outlives the value it views, and whose Neg/Relu buffers are reused. */
    private static Model aliasingModel() {
        Graph g = new Graph("aliasing");
        g.inputs().add(ValueInfo.of("x", DType.FLOAT, 1, N));
        g.setInitializer("flat", Tensor.of(new long[] {N}, 1));
        g.setInitializer("w", random(new Random(3), N));
        g.addNode(new Node("Relu", "relu", List.of("x"), List.of("a")));
        g.addNode(new Node("Reshape", "view", List.of("a", "flat"), List.of("av")));
        g.addNode(new Node("Neg", "neg", List.of("a"), List.of("b")));
        g.addNode(new Node("Mul", "mul", List.of("b", "w"), List.of("c")));
        g.addNode(new Node("Relu", "relu2", List.of("c"), List.of("e")));
        g.addNode(new Node("Add", "add", List.of("av", "e"), List.of("d")));
        g.addNode(new Node("Sigmoid", "sig", List.of("d"), List.of("s")));
        g.addNode(new Node("Mul", "mul2", List.of("s", "av"), List.of("y")));
        g.outputs().add(ValueInfo.of("y", DType.FLOAT, N));
        Model m = new Model(g);
        m.opsets().put("", 17L);
        return m;
    }

    private static Tensor random(Random rnd, int... shape) {
        Tensor t = Tensor.zeros(DType.FLOAT, shape);
        for (int i = 0; i < t.size(); i++) {
            t.floats()[i] = rnd.nextFloat() * 4 - 2;
        }
        return t;
    }

    /** A hook that may keep values switches recycling off: the reference. */
    private static final TensorHook RETAINING = (name, value) -> value;

    @Test
    void recycledRunsEqualUnrecycledOnesAndLeaveEarlierOutputsAlone() {
        Executor pooled = new Executor(aliasingModel());
        Executor plain = new Executor(aliasingModel());
        Random rnd = new Random(1);
        Tensor firstOutput = null;
        float[] firstCopy = null;
        for (int run = 0; run < 6; run++) {
            Map<String, Tensor> feed = Map.of("x", random(rnd, 1, N));
            Tensor y = pooled.run(feed).get("y");
            Tensor expected = plain.run(feed, RETAINING, Set.of()).get("y");
            assertArrayEquals(expected.floats(), y.floats(), "run " + run);
            if (firstOutput == null) {
                firstOutput = y;
                firstCopy = y.floats().clone();
            }
        }
        assertArrayEquals(firstCopy, firstOutput.floats(), "a later run wrote into an output the caller holds");
        assertTrue(pooled.bufferPool().reusedCount() > 0, "nothing was recycled");
        assertEquals(0, plain.bufferPool().reusedCount());
    }

    @Test
    void keptValuesAreNotRecycled() {
        Executor exec = new Executor(aliasingModel());
        Random rnd = new Random(2);
        Map<String, Tensor> first = exec.run(Map.of("x", random(rnd, 1, N)), null, Set.of("b", "e"));
        float[] b = first.get("b").floats().clone();
        float[] e = first.get("e").floats().clone();
        for (int run = 0; run < 3; run++) {
            exec.run(Map.of("x", random(rnd, 1, N)));
        }
        assertArrayEquals(b, first.get("b").floats());
        assertArrayEquals(e, first.get("e").floats());
    }

    /** A real CNN: the same outputs with and without recycling, and the pool serves every run after the first. */
    @Test
    void aCnnRunsIdenticallyWithRecycledBuffers() {
        Model model = ModelIO.load(TestResources.of("models/resnet_fmnist.onnx"));
        try (JavaEngine engine = new JavaEngine(model, 2)) {
            Random rnd = new Random(4);
            for (int run = 0; run < 4; run++) {
                Map<String, Tensor> feed = Map.of(engine.inputs().get(0).name(), random(rnd, 8, 1, 28, 28));
                Tensor y = engine.run(feed).values().iterator().next();
                Tensor expected = engine.executor().run(feed, RETAINING, Set.of()).values().iterator().next();
                assertArrayEquals(expected.floats(), y.floats(), "run " + run);
            }
            assertTrue(engine.executor().bufferPool().reusedCount() > 10);
        }
    }
}
