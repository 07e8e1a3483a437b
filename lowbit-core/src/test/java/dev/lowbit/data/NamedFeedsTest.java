package dev.lowbit.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lowbit.testutil.TestResources;
import dev.lowbit.LowbitException;
import dev.lowbit.onnx.ValueInfo;
import dev.lowbit.tensor.DType;
import dev.lowbit.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Data for models with several inputs of any type: named arrays, folders of NAME.npy, test data sets, tokenized text. */
class NamedFeedsTest {
    @TempDir
    Path dir;

    private static final List<ValueInfo> TEXT_INPUTS = List.of(ValueInfo.of("input_ids", DType.INT64, -1, -1),
            ValueInfo.of("attention_mask", DType.INT64, -1, -1), ValueInfo.of("pixels", DType.FLOAT, -1, 2));

    private static Map<String, Tensor> arrays() {
        Map<String, Tensor> m = new LinkedHashMap<>();
        m.put("input_ids", Tensor.of(new int[] {5, 6, 7, 8, 9, 10}, 3, 2)); // int32 on disk, int64 input
        m.put("attention_mask", Tensor.of(new long[] {1, 1, 1, 0, 1, 1}, 3, 2));
        m.put("pixels", Tensor.wrap(DType.UINT8, new int[] {3, 2}, new byte[] {0, (byte) 255, 51, 102, 0, 0}));
        m.put("y", Tensor.of(new long[] {2, 0, 1}, 3));
        return m;
    }

    @Test
    void npzWithOneArrayPerInputKeepsIntegersAndScalesPixels() {
        Path npz = dir.resolve("feeds.npz");
        Npz.write(npz, arrays());
        try (Dataset d = Datasets.open(npz, DatasetOptions.defaults().withInputs(TEXT_INPUTS))) {
            assertEquals(3, d.size());
            assertTrue(d.hasLabels());
            Batch b = d.batches(2).next();
            Map<String, Tensor> f = b.feeds(List.of("input_ids", "attention_mask", "pixels"));
            assertEquals(DType.INT64, f.get("input_ids").dtype());
            assertArrayEquals(new long[] {5, 6, 7, 8}, f.get("input_ids").longs(), "ids are never pixel-scaled");
            assertArrayEquals(new long[] {1, 1, 1, 0}, f.get("attention_mask").longs());
            assertArrayEquals(new float[] {0f, 1f, 0.2f, 0.4f}, f.get("pixels").floats(), 1e-6f, "uint8 for a float input: pixels");
            assertArrayEquals(new long[] {2, 0}, b.labels());
        }
    }

    @Test
    void folderOfNpyAndTestDataSets() throws IOException {
        Path folder = Files.createDirectory(dir.resolve("arrays"));
        arrays().forEach((k, v) -> Npy.write(folder.resolve(k + ".npy"), v));
        try (Dataset d = Datasets.open(folder, DatasetOptions.defaults().withInputs(TEXT_INPUTS))) {
            assertEquals(3, d.size());
            assertArrayEquals(new long[] {9, 10}, d.readAll().inputs().get("input_ids").rows(2, 3).longs());
        }
        for (int s = 0; s < 2; s++) { // two test_data_set_N folders of input_N.pb: concatenated along the sample axis
            Path set = Files.createDirectories(dir.resolve("cases/test_data_set_" + s));
            int i = 0;
            for (String k : List.of("input_ids", "attention_mask", "pixels")) {
                Tensor t = arrays().get(k).rows(s, s + 1);
                Files.write(set.resolve("input_" + i++ + ".pb"), dev.lowbit.onnx.TensorProtos.toProto(k, t).toByteArray());
            }
        }
        try (Dataset d = Datasets.open(dir.resolve("cases"), DatasetOptions.defaults().withInputs(TEXT_INPUTS))) {
            assertEquals(2, d.size());
            assertArrayEquals(new long[] {5, 6, 7, 8}, d.readAll().inputs().get("input_ids").longs());
        }
    }

    @Test
    void oneArrayForSeveralInputsIsAOneLineError() {
        Path npy = dir.resolve("x.npy");
        Npy.write(npy, Tensor.of(new float[6], 3, 2));
        LowbitException e = assertThrows(LowbitException.class,
                () -> Datasets.open(npy, DatasetOptions.defaults().withInputs(TEXT_INPUTS)));
        assertTrue(e.getMessage().contains("the model has 3 inputs (input_ids, attention_mask, pixels)"), e.getMessage());
        Path npz = dir.resolve("partial.npz");
        Npz.write(npz, Map.of("input_ids", Tensor.of(new long[2], 1, 2)));
        e = assertThrows(LowbitException.class, () -> Datasets.open(npz, DatasetOptions.defaults().withInputs(TEXT_INPUTS)));
        assertTrue(e.getMessage().contains("no member 'attention_mask'"), e.getMessage());
    }

    @Test
    void textIsTokenizedWithAHuggingFaceTokenizerJson() throws IOException {
        Path text = dir.resolve("s.txt");
        Files.writeString(text, "Hello worlds.\n\nthe Café\n");
        Path tok = TestResources.of("text/wordpiece-tokenizer.json");
        List<ValueInfo> inputs = List.of(ValueInfo.of("input_ids", DType.INT64, -1, -1),
                ValueInfo.of("attention_mask", DType.INT64, -1, -1), ValueInfo.of("token_type_ids", DType.INT32, -1, -1));
        try (Dataset d = Datasets.open(text, DatasetOptions.defaults().withInputs(inputs).withTokenizer(tok, 16))) {
            assertEquals(2, d.size(), "blank lines are skipped");
            Map<String, Tensor> f = d.readAll().feeds(List.of("input_ids", "attention_mask", "token_type_ids"));
            // [CLS] hello world ##s . [SEP] / [CLS] the cafe [SEP] [PAD] [PAD] (lower-cased, accents stripped)
            assertArrayEquals(new int[] {2, 6}, f.get("input_ids").shapeRef());
            assertArrayEquals(new long[] {2, 4, 5, 6, 8, 3, 2, 7, 9, 3, 0, 0}, f.get("input_ids").longs());
            assertArrayEquals(new long[] {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0}, f.get("attention_mask").longs());
            assertEquals(DType.INT32, f.get("token_type_ids").dtype());
        }
        LowbitException e = assertThrows(LowbitException.class, () -> Datasets.open(text, DatasetOptions.defaults()));
        assertTrue(e.getMessage().contains("needs --tokenizer"), e.getMessage());
    }
}
