package dev.lowbit.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lowbit.LowbitException;
import dev.lowbit.onnx.TensorProtos;
import dev.lowbit.onnx.ValueInfo;
import dev.lowbit.tensor.DType;
import dev.lowbit.tensor.Tensor;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TensorFilesTest {
    @TempDir
    Path dir;

    private static final List<ValueInfo> INPUTS = List.of(
            ValueInfo.of("x", DType.FLOAT, -1, 3),
            ValueInfo.of("ids:0", DType.INT64, 2));

    private static final Tensor X = Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 2, 3);
    private static final Tensor IDS = Tensor.of(new long[] {7, -8}, 2);

    private static String problem(Runnable r) {
        LowbitException e = assertThrows(LowbitException.class, r::run);
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
        return e.getMessage();
    }

    @Test
    void readsNpyFolderWithSanitizedNames() {
        Path in = dir.resolve("in");
        Npy.write(in.resolve("x.npy"), X);
        Npy.write(in.resolve("ids_0.npy"), IDS);
        Map<String, Tensor> feed = TensorFiles.readInputs(in, INPUTS);
        assertEquals(List.of("x", "ids:0"), List.copyOf(feed.keySet()));
        assertArrayEquals(X.floats(), feed.get("x").floats());
        assertArrayEquals(IDS.longs(), feed.get("ids:0").longs());
    }

    @Test
    void readsPbFolderByStoredNameOrPosition() throws IOException {
        Path named = Files.createDirectories(dir.resolve("named"));
        // Stored names win over positions: ids is file 0 here.
        Files.write(named.resolve("input_0.pb"), TensorProtos.serialize("ids:0", IDS));
        Files.write(named.resolve("input_1.pb"), TensorProtos.serialize("x", X));
        Map<String, Tensor> feed = TensorFiles.readInputs(named, INPUTS);
        assertArrayEquals(X.floats(), feed.get("x").floats());
        assertArrayEquals(IDS.longs(), feed.get("ids:0").longs());

        Path unnamed = Files.createDirectories(dir.resolve("unnamed"));
        Files.write(unnamed.resolve("input_0.pb"), TensorProtos.serialize("", X));
        Files.write(unnamed.resolve("input_1.pb"), TensorProtos.serialize("", IDS));
        feed = TensorFiles.readInputs(unnamed, INPUTS);
        assertArrayEquals(X.floats(), feed.get("x").floats());
        assertArrayEquals(IDS.longs(), feed.get("ids:0").longs());
    }

    @Test
    void readsNpzStoredAndDeflated() throws IOException {
        Path deflated = dir.resolve("d.npz");
        Map<String, Tensor> m = new LinkedHashMap<>();
        m.put("x", X);
        m.put("ids_0", IDS);
        Npz.write(deflated, m);
        Map<String, Tensor> feed = TensorFiles.readInputs(deflated, INPUTS);
        assertArrayEquals(X.floats(), feed.get("x").floats());

        Path stored = dir.resolve("s.npz");
        try (OutputStream os = Files.newOutputStream(stored); ZipOutputStream zip = new ZipOutputStream(os)) {
            for (Map.Entry<String, Tensor> e : m.entrySet()) {
                byte[] b = Npy.toBytes(e.getValue());
                ZipEntry z = new ZipEntry(e.getKey() + ".npy");
                z.setMethod(ZipEntry.STORED);
                z.setSize(b.length);
                CRC32 crc = new CRC32();
                crc.update(b);
                z.setCrc(crc.getValue());
                zip.putNextEntry(z);
                zip.write(b);
                zip.closeEntry();
            }
        }
        Map<String, Tensor> back = Npz.read(stored);
        assertArrayEquals(IDS.longs(), back.get("ids_0").longs());

        Path cut = dir.resolve("cut.npz");
        byte[] all = Files.readAllBytes(deflated);
        Files.write(cut, java.util.Arrays.copyOf(all, all.length / 2));
        assertTrue(problem(() -> Npz.read(cut)).startsWith(cut + ": "));
    }

    @Test
    void problemsNameTheFileAndWhatTheModelExpects() throws IOException {
        Path in = dir.resolve("in");
        Npy.write(in.resolve("x.npy"), X);
        String missing = problem(() -> TensorFiles.readInputs(in, INPUTS));
        assertTrue(missing.startsWith(in.resolve("ids_0.npy") + ": missing input file"), missing);

        Npy.write(in.resolve("ids_0.npy"), Tensor.of(new int[] {1, 2}, 2));
        String dtype = problem(() -> TensorFiles.readInputs(in, INPUTS));
        assertEquals(in.resolve("ids_0.npy") + ": holds int32[2], model input 'ids:0' expects int64[2]", dtype);

        Npy.write(in.resolve("ids_0.npy"), IDS);
        Npy.write(in.resolve("x.npy"), Tensor.of(new float[] {1, 2}, 2, 1));
        String shape = problem(() -> TensorFiles.readInputs(in, INPUTS));
        assertEquals(in.resolve("x.npy") + ": holds float[2,1], model input 'x' expects float[?,3]", shape);

        Files.write(in.resolve("x.npy"), new byte[] {1, 2, 3});
        assertTrue(problem(() -> TensorFiles.readInputs(in, INPUTS)).startsWith(in.resolve("x.npy") + ": truncated"));

        Path pb = Files.createDirectories(dir.resolve("pb"));
        Files.write(pb.resolve("input_0.pb"), new byte[] {(byte) 0xFF, (byte) 0xFF, 1});
        assertTrue(problem(() -> TensorFiles.readInputs(pb, INPUTS)).startsWith(pb.resolve("input_0.pb") + ": "));

        Path none = dir.resolve("none");
        assertEquals(none + ": no such input folder", problem(() -> TensorFiles.readInputs(none, INPUTS)));
    }

    @Test
    void writesOutputsInBothFormatsAllOrNothing() throws IOException {
        Map<String, Tensor> outs = new LinkedHashMap<>();
        outs.put("y/prob", X);
        outs.put("ids", IDS);
        Path npy = dir.resolve("o-npy");
        List<Path> files = TensorFiles.writeOutputs(npy, outs, TensorFiles.Format.NPY);
        assertEquals(List.of(npy.resolve("y_prob.npy"), npy.resolve("ids.npy")), files);
        assertArrayEquals(X.floats(), Npy.read(files.get(0)).floats());

        Path pb = dir.resolve("o-pb");
        TensorFiles.writeOutputs(pb, outs, TensorFiles.Format.PB);
        assertEquals("ids", TensorProtos.readName(pb.resolve("output_1.pb")));
        assertArrayEquals(IDS.longs(), TensorProtos.readFile(pb.resolve("output_1.pb")).longs());

        // Existing folder: files replaced in place.
        TensorFiles.writeOutputs(npy, Map.of("ids", Tensor.of(new long[] {1}, 1)), TensorFiles.Format.NPY);
        assertArrayEquals(new long[] {1}, Npy.read(npy.resolve("ids.npy")).longs());

        // An output .npy cannot hold: nothing at all is written, no temporary left behind.
        outs.put("half", Tensor.zeros(DType.BFLOAT16, 2));
        Path bad = dir.resolve("o-bad");
        String p = problem(() -> TensorFiles.writeOutputs(bad, outs, TensorFiles.Format.NPY));
        assertTrue(p.startsWith(bad.resolve("half.npy") + ": "), p);
        assertFalse(Files.exists(bad));
        try (Stream<Path> s = Files.list(dir)) {
            assertTrue(s.noneMatch(f -> f.getFileName().toString().startsWith(".")), "no temporaries left");
        }
    }
}
