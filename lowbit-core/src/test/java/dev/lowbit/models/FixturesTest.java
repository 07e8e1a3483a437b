package dev.lowbit.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lowbit.onnx.Model;
import dev.lowbit.onnx.ModelIO;
import dev.lowbit.onnx.Node;
import dev.lowbit.tensor.Tensor;
import dev.lowbit.testutil.FashionMnist;
import dev.lowbit.testutil.Ort;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The fixtures themselves are what the tests and the bundled example assume: small files, the
 * documented interface and preprocessing, BatchNormalization left unfolded, and real accuracy when
 * ONNX Runtime runs them on the 1000-image test slice. Needs no lowbit kernels.
 */
class FixturesTest {

    @ParameterizedTest
    @CsvSource({
        "resnet_fmnist,    13, 0.88, 'Conv,BatchNormalization,Relu,Add,GlobalAveragePool'",
        "mbv2_fmnist,      13, 0.86, 'Conv,BatchNormalization,Clip,Add,GlobalAveragePool'",
        "tiny_transformer, 17, 0.78, 'Conv,LayerNormalization,MatMul,Softmax,Transpose,Reshape,Erf'"})
    void fixtureIsSmallDocumentedAndAccurateInOnnxRuntime(String name, int opset, double minAccuracy, String ops) throws Exception {
        Path file = FashionMnist.resource("models/" + name + ".onnx");
        assertTrue(Files.size(file) < 1 << 20, name + " is under 1 MB");
        assertTrue(Files.isRegularFile(file.resolveSibling(name + ".json")), name + ".json sits next to the model");
        Model model = ModelIO.load(file);
        assertEquals(opset, model.opset());
        assertEquals("input", model.graph().runtimeInputs().get(0).name());
        assertEquals("float[N,1,28,28]", model.graph().runtimeInputs().get(0).describe());
        assertEquals("logits", model.graph().outputs().get(0).name());
        assertNotNull(model.metadata().get("preprocessing"));
        Set<String> present = model.graph().nodes().stream().map(Node::opType).collect(Collectors.toSet());
        for (String op : ops.split(",")) {
            assertTrue(present.contains(op), name + " has " + op + " nodes; has " + present);
        }

        FashionMnist.Idx images = FashionMnist.slice(FashionMnist.TEST_IMAGES);
        int[] labels = FashionMnist.labels(FashionMnist.slice(FashionMnist.TEST_LABELS), 0, images.count());
        int correct = 0;
        try (Ort ort = Ort.open(file)) {
            for (int from = 0; from < images.count(); from += 250) {
                Tensor logits = ort.run(Map.of("input", FashionMnist.images(images, from, 250))).get("logits");
                assertArrayEquals(new int[] {250, 10}, logits.shape());
                int[] top = FashionMnist.argmax(logits);
                for (int i = 0; i < top.length; i++) {
                    correct += top[i] == labels[from + i] ? 1 : 0;
                }
            }
        }
        double accuracy = correct / (double) images.count();
        System.out.printf("%s: onnxruntime top-1 %.1f%% on the 1000-image slice%n", name, 100 * accuracy);
        assertTrue(accuracy >= minAccuracy, name + ": accuracy " + accuracy);
    }

    @Test
    void slicesHaveTheDocumentedSizesAndAreRealImages() {
        FashionMnist.Idx test = FashionMnist.slice(FashionMnist.TEST_IMAGES);
        FashionMnist.Idx calib = FashionMnist.slice(FashionMnist.CALIB_IMAGES);
        assertArrayEquals(new int[] {1000, 28, 28}, test.dims());
        assertArrayEquals(new int[] {512, 28, 28}, calib.dims());
        assertArrayEquals(new int[] {1000}, FashionMnist.slice(FashionMnist.TEST_LABELS).dims());
        assertArrayEquals(new int[] {512}, FashionMnist.slice(FashionMnist.CALIB_LABELS).dims());
        // the first test image of Fashion-MNIST is an ankle boot (9), the first training image too
        assertEquals(9, FashionMnist.slice(FashionMnist.TEST_LABELS).unsigned(0));
        assertEquals(9, FashionMnist.slice(FashionMnist.CALIB_LABELS).unsigned(0));
        Tensor x = FashionMnist.images(test, 0, 1000);
        double mean = 0;
        for (float v : x.floats()) {
            mean += v;
        }
        mean /= x.size();
        assertEquals(0, mean, 0.05, "normalised pixels are centred");
        int[] counts = new int[10];
        for (int y : FashionMnist.labels(FashionMnist.slice(FashionMnist.TEST_LABELS), 0, 1000)) {
            counts[y]++;
        }
        for (int c : counts) {
            assertFalse(c < 60, "every class is represented");
        }
    }
}
