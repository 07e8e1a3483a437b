package dev.lowbit.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lowbit.LowbitException;
import dev.lowbit.tensor.DType;
import dev.lowbit.tensor.Tensor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ArrayDatasetTest {
    @TempDir
    Path dir;

    @Test
    void floatNpyStreamsSamplesWithLabelsInBatches() {
        float[] x = new float[5 * 4];
        for (int i = 0; i < x.length; i++) {
            x[i] = i * 0.5f;
        }
        Npy.write(dir.resolve("x.npy"), Tensor.of(x, 5, 1, 2, 2));
        Npy.write(dir.resolve("y.npy"), Tensor.of(new long[] {3, 1, 4, 1, 5}, 5));
        try (Dataset ds = Datasets.open(dir.resolve("x.npy"), DatasetOptions.defaults().withLabels(dir.resolve("y.npy")))) {
            assertArrayEquals(new int[] {1, 2, 2}, ds.sampleShape());
            Iterator<Batch> it = ds.batches(2);
            Batch b0 = it.next();
            assertArrayEquals(new int[] {2, 1, 2, 2}, b0.images().shapeRef());
            assertArrayEquals(java.util.Arrays.copyOf(x, 8), b0.images().floats());
            assertArrayEquals(new long[] {3, 1}, b0.labels());
            it.next();
            Batch last = it.next();
            assertEquals(1, last.size());
            assertEquals(x[19], last.images().floats()[3]);
            assertArrayEquals(new long[] {5}, last.labels());
        }
    }

    @Test
    void uint8PixelsArePreprocessedAndNpzFindsLabels() {
        Tensor img = Tensor.zeros(DType.UINT8, 2, 1, 1, 2);
        img.bytes()[0] = (byte) 255;
        img.bytes()[3] = (byte) 51;
        Npz.write(dir.resolve("d.npz"), Map.of("images", img, "labels", Tensor.of(new long[] {7, 9}, 2)));
        DatasetOptions o = DatasetOptions.defaults().withPreprocess(Preprocess.defaults().withNormalization(new float[] {0.5f}, new float[] {0.5f}));
        try (Dataset ds = Datasets.open(dir.resolve("d.npz"), o)) {
            Batch b = ds.readAll();
            assertEquals(1f, b.images().floats()[0], 1e-6);   // (255/255 - 0.5) / 0.5
            assertEquals(-1f, b.images().floats()[1], 1e-6);  // (0 - 0.5) / 0.5
            assertEquals(-0.6f, b.images().floats()[3], 1e-6); // (0.2 - 0.5) / 0.5
            assertArrayEquals(new long[] {7, 9}, b.labels());
        }
    }

    @Test
    void onnxTestDataFoldersConcatenateTheirInputs() {
        Path relu = Path.of("/usr/share/libonnx-testdata/data/node/test_relu");
        try (Dataset ds = Datasets.open(relu, DatasetOptions.defaults())) {
            assertArrayEquals(new int[] {4, 5}, ds.sampleShape());
            assertEquals(3, ds.size());
        }
    }

    @Test
    void truncatedNpyIsOneLineNamingTheFile() throws Exception {
        Npy.write(dir.resolve("x.npy"), Tensor.of(new float[40], 10, 4));
        byte[] b = Files.readAllBytes(dir.resolve("x.npy"));
        Files.write(dir.resolve("cut.npy"), java.util.Arrays.copyOf(b, b.length - 20));
        LowbitException e = assertThrows(LowbitException.class, () -> Datasets.open(dir.resolve("cut.npy"), DatasetOptions.defaults()));
        assertTrue(e.getMessage().startsWith(dir.resolve("cut.npy").toString()) && e.getMessage().contains("truncated"), e.getMessage());
    }
}
