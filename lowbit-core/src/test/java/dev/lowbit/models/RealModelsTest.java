package dev.lowbit.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lowbit.exec.Executor;
import dev.lowbit.onnx.Model;
import dev.lowbit.onnx.ModelIO;
import dev.lowbit.exec.ShapeInference;
import dev.lowbit.onnx.ValueInfo;
import dev.lowbit.tensor.DType;
import dev.lowbit.tensor.Tensor;
import dev.lowbit.testutil.FashionMnist;
import dev.lowbit.testutil.Ort;
import dev.lowbit.testutil.OrtNodeOps;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * lowbit's engine runs the real exported fixture models (tools/fixtures/train_fmnist.py) like ONNX
 * Runtime: same logits within 1e-4 of the output range, same top-1, same accuracy on 1000 real
 * Fashion-MNIST test images. Tagged "real-models": these need the Conv, BatchNormalization, Gemm,
 * LayerNormalization ... kernels, which land from the op branches. The shape-inference check also
 * runs with every node computed by ONNX Runtime ({@link OrtNodeOps}), which needs no lowbit kernel.
 */
@Tag("real-models")
class RealModelsTest {
    private static final double REL_TOLERANCE = 1e-4;

    private static Path modelFile(String name) {
        return FashionMnist.resource("models/" + name + ".onnx");
    }

    @ParameterizedTest
    @ValueSource(strings = {"resnet_fmnist", "mbv2_fmnist", "tiny_transformer"})
    void logitsMatchOnnxRuntimeOnARealBatch(String name) {
        Path file = modelFile(name);
        Model model = ModelIO.load(file);
        String pre = model.metadata().get("preprocessing");
        assertNotNull(pre, "fixture records its preprocessing in metadata_props");
        assertTrue(pre.contains("0.286") && pre.contains("0.353"), pre);

        FashionMnist.Idx images = FashionMnist.slice(FashionMnist.TEST_IMAGES);
        Tensor x = FashionMnist.images(images, 0, 32);
        Tensor ours = new Executor(model).run(Map.of("input", x)).get("logits");
        Tensor ref = Ort.run(file, Map.of("input", x)).get("logits");
        assertNotNull(ours, "lowbit returns 'logits'");
        assertArrayEquals(new int[] {32, 10}, ours.shape());
        assertClose(name, ref, ours);
        assertArrayEquals(FashionMnist.argmax(ref), FashionMnist.argmax(ours), name + ": top-1 classes");

        // the batch axis is dynamic: a batch of one and an odd batch give the same rows
        Tensor one = new Executor(model).run(Map.of("input", FashionMnist.images(images, 5, 1))).get("logits");
        assertClose(name + " batch 1", Ort.run(file, Map.of("input", FashionMnist.images(images, 5, 1))).get("logits"), one);
        Tensor odd = new Executor(model).run(Map.of("input", FashionMnist.images(images, 0, 7))).get("logits");
        assertClose(name + " batch 7 vs rows of batch 32", rows(ref, 7), odd);
    }

    @ParameterizedTest
    @ValueSource(strings = {"resnet_fmnist", "mbv2_fmnist", "tiny_transformer"})
    void accuracyOnThousandTestImagesEqualsOnnxRuntime(String name) {
        Path file = modelFile(name);
        Executor lowbit = new Executor(ModelIO.load(file));
        FashionMnist.Idx images = FashionMnist.slice(FashionMnist.TEST_IMAGES);
        int[] labels = FashionMnist.labels(FashionMnist.slice(FashionMnist.TEST_LABELS), 0, images.count());
        int ours = 0;
        int theirs = 0;
        int agree = 0;
        int batch = 100;
        try (Ort ort = Ort.open(file)) {
            for (int from = 0; from < images.count(); from += batch) {
                Tensor x = FashionMnist.images(images, from, batch);
                int[] a = FashionMnist.argmax(lowbit.run(Map.of("input", x)).get("logits"));
                int[] b = FashionMnist.argmax(ort.run(Map.of("input", x)).get("logits"));
                for (int i = 0; i < batch; i++) {
                    ours += a[i] == labels[from + i] ? 1 : 0;
                    theirs += b[i] == labels[from + i] ? 1 : 0;
                    agree += a[i] == b[i] ? 1 : 0;
                }
            }
        }
        System.out.printf("%s: lowbit top-1 %.1f%%, onnxruntime %.1f%% on %d test images%n",
                name, ours / 10.0, theirs / 10.0, images.count());
        assertEquals(theirs, ours, name + ": correct predictions, lowbit vs onnxruntime");
        assertEquals(images.count(), agree, name + ": images where lowbit and onnxruntime pick the same class");
        assertTrue(ours >= 780, name + ": a trained model gets most of them right, got " + ours + "/1000");
    }

    @ParameterizedTest
    @ValueSource(strings = {"resnet_fmnist", "mbv2_fmnist", "tiny_transformer"})
    void shapeInferenceAnnotatesEveryValue(String name) {
        Model model = ModelIO.load(modelFile(name));
        checkInferredShapes(name, model, ShapeInference.infer(model));
    }

    /**
     * The executor's scheduling and value plumbing on the real graphs, with every node computed by
     * ONNX Runtime: must reproduce whole-model ONNX Runtime. Needs no lowbit kernel.
     */
    @ParameterizedTest
    @Tag("ort-node-ops")
    @ValueSource(strings = {"resnet_fmnist", "mbv2_fmnist", "tiny_transformer"})
    void executorRunsRealGraphsWithOrtComputedNodes(String name) {
        Path file = modelFile(name);
        Model model = ModelIO.load(file);
        Tensor x = FashionMnist.images(FashionMnist.slice(FashionMnist.TEST_IMAGES), 0, 8);
        Tensor ours = new Executor(model.graph(), model.opsets(), OrtNodeOps.forModel(model)).run(Map.of("input", x)).get("logits");
        Tensor ref = Ort.run(file, Map.of("input", x)).get("logits");
        assertClose(name + " per-node", ref, ours);
        assertArrayEquals(FashionMnist.argmax(ref), FashionMnist.argmax(ours));
    }

    /** The same check with every node computed by ONNX Runtime: needs no lowbit kernel. */
    @ParameterizedTest
    @Tag("ort-node-ops")
    @ValueSource(strings = {"resnet_fmnist", "mbv2_fmnist", "tiny_transformer"})
    void shapeInferenceAnnotatesEveryValueWithOrtComputedNodes(String name) {
        Model model = ModelIO.load(modelFile(name));
        checkInferredShapes(name, model, ShapeInference.infer(model, OrtNodeOps.forModel(model)));
    }

    private static void checkInferredShapes(String name, Model model, Map<String, ValueInfo> infos) {
        ValueInfo logits = infos.get("logits");
        assertNotNull(logits);
        assertEquals("float[N,10]", logits.describe());
        long produced = model.graph().nodes().stream().flatMap(n -> n.outputs().stream()).filter(o -> !o.isEmpty()).count();
        assertEquals(produced, infos.size(), name + ": one info per node output");
        assertTrue(infos.values().stream().allMatch(ValueInfo::hasShape));
        // every float activation (a value computed from the input; the ViT also transposes its
        // weights in-graph) carries the batch axis as the symbol N, and no dim is left unknown
        java.util.Set<String> fromInput = new java.util.HashSet<>(java.util.Set.of("input"));
        for (dev.lowbit.onnx.Node n : model.graph().topologicalOrder()) {
            if (n.inputs().stream().anyMatch(fromInput::contains)) {
                fromInput.addAll(n.outputs());
            }
        }
        for (ValueInfo v : infos.values()) {
            if (v.type() == DType.FLOAT && v.shape().size() >= 2 && fromInput.contains(v.name())) {
                assertTrue(v.shape().stream().anyMatch(d -> "N".equals(d.param())), name + ": " + v.name() + " " + v.describe());
            }
            assertTrue(v.shape().stream().allMatch(d -> d.isFixed() || !d.param().isEmpty()),
                    name + ": " + v.name() + " " + v.describe());
        }
    }

    private static Tensor rows(Tensor t, int n) {
        int cols = t.dim(1);
        return Tensor.of(Arrays.copyOf(t.floats(), n * cols), n, cols);
    }

    /** Max abs difference within {@link #REL_TOLERANCE} of the reference's value range. */
    private static void assertClose(String what, Tensor ref, Tensor ours) {
        assertArrayEquals(ref.shape(), ours.shape(), what + ": shape");
        float[] r = ref.floats();
        float[] o = ours.floats();
        float min = Float.POSITIVE_INFINITY;
        float max = Float.NEGATIVE_INFINITY;
        double maxDiff = 0;
        for (int i = 0; i < r.length; i++) {
            min = Math.min(min, r[i]);
            max = Math.max(max, r[i]);
            maxDiff = Math.max(maxDiff, Math.abs((double) r[i] - o[i]));
            assertTrue(Float.isFinite(o[i]), what + ": non-finite output at " + i);
        }
        double allowed = REL_TOLERANCE * Math.max(max - min, 1e-6);
        assertTrue(maxDiff <= allowed, what + ": max |lowbit - onnxruntime| = " + maxDiff + " > " + allowed);
    }
}
