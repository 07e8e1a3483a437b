package dev.lowbit.data;

import dev.lowbit.LowbitException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class IdxDatasetTest {
    static final Path DIR = Path.of("/usr/share/datasets/fashion-mnist");
    static final Path IMAGES = DIR.resolve("t10k-images-idx3-ubyte.gz");
    static final Path LABELS = DIR.resolve("t10k-labels-idx1-ubyte.gz");

    @Test
    void headers() {
        try (IdxReader r = IdxReader.open(IMAGES); IdxReader l = IdxReader.open(LABELS)) {
            assertEquals(10_000, r.count());
            assertArrayEquals(new int[] {28, 28}, r.itemShape());
            assertEquals(784, r.itemSize());
            assertEquals(10_000, l.count());
            long[] first = l.readLabels(5);
            assertEquals(5, first.length);
            for (long v : first) {
                assertTrue(v >= 0 && v <= 9);
            }
        }
    }

    @Test
    void first64ImagesInOneGoAndInBatchesOf10() {
        DatasetOptions opts = DatasetOptions.defaults().withLimit(64);
        Batch all;
        try (Dataset d = Datasets.open(IMAGES, opts)) {
            assertTrue(d.hasLabels(), "labels found next to the images");
            assertEquals(64, d.size());
            all = d.readAll();
        }
        assertArrayEquals(new int[] {64, 1, 28, 28}, all.images().shape());
        float min = Float.POSITIVE_INFINITY;
        float max = Float.NEGATIVE_INFINITY;
        for (float v : all.images().floats()) {
            min = Math.min(min, v);
            max = Math.max(max, v);
        }
        assertEquals(0f, min);
        assertTrue(max > 0.9f && max <= 1f, "max " + max);
        for (long label : all.labels()) {
            assertTrue(label >= 0 && label <= 9);
        }
        assertTrue(Arrays.stream(all.labels()).distinct().count() > 5);
        List<Batch> batches = new ArrayList<>();
        try (Dataset d = Datasets.open(IMAGES, opts.withLabels(LABELS))) {
            Iterator<Batch> it = d.batches(10);
            it.forEachRemaining(batches::add);
        }
        assertEquals(7, batches.size());
        assertEquals(4, batches.get(6).size());
        float[] joined = new float[64 * 784];
        long[] labels = new long[64];
        int at = 0;
        for (Batch b : batches) {
            System.arraycopy(b.images().floats(), 0, joined, at * 784, b.size() * 784);
            System.arraycopy(b.labels(), 0, labels, at, b.size());
            at += b.size();
        }
        assertArrayEquals(all.images().floats(), joined);
        assertArrayEquals(all.labels(), labels);
    }

    @Test
    void seededShuffleIsAPermutationOfTheData(@TempDir Path tmp) throws IOException {
        // a 300-image uncompressed copy exercises the plain-file path, both sequential and random access
        Path plainImages = tmp.resolve("small-images-idx3-ubyte");
        Path plainLabels = tmp.resolve("small-labels-idx1-ubyte");
        copyPrefix(IMAGES, plainImages, 300);
        copyPrefix(LABELS, plainLabels, 300);
        for (Path images : new Path[] {IMAGES, plainImages}) {
            Map<String, Long> byContent = new HashMap<>();
            try (Dataset d = Datasets.open(images, DatasetOptions.defaults().withLimit(300))) {
                Batch b = d.readAll();
                for (int i = 0; i < b.size(); i++) {
                    byContent.put(key(b, i), b.labels()[i]);
                }
            }
            DatasetOptions shuffled = DatasetOptions.defaults().withShuffle(42L).withLimit(25);
            Batch s1;
            Batch s2;
            try (Dataset d = Datasets.open(images, shuffled)) {
                s1 = d.readAll();
            }
            try (Dataset d = Datasets.open(images, shuffled)) {
                List<Batch> parts = new ArrayList<>();
                d.batches(4).forEachRemaining(parts::add);
                s2 = parts.get(0);
            }
            assertArrayEquals(Arrays.copyOf(s1.labels(), 4), s2.labels());
            int inPrefix = 0;
            for (int i = 0; i < s1.size(); i++) {
                Long label = byContent.get(key(s1, i));
                if (label != null) {
                    inPrefix++;
                    assertEquals(label, s1.labels()[i]);
                }
            }
            if (images == plainImages) {
                assertEquals(25, inPrefix, "every shuffled sample is one of the 300");
            }
            try (Dataset d = Datasets.open(images, shuffled.withShuffle(7L))) {
                assertNotEquals(key(s1, 0) + key(s1, 1), key(d.readAll(), 0) + key(d.readAll(), 1));
            }
        }
    }

    private static String key(Batch b, int i) {
        float[] f = Arrays.copyOfRange(b.images().floats(), i * 784, (i + 1) * 784);
        return Arrays.toString(f);
    }

    private static void copyPrefix(Path gz, Path out, int n) throws IOException {
        try (IdxReader r = IdxReader.open(gz);
             DataOutputStream o = new DataOutputStream(Files.newOutputStream(out))) {
            int[] shape = r.itemShape();
            o.writeShort(0);
            o.writeByte(IdxReader.UBYTE);
            o.writeByte(shape.length + 1);
            o.writeInt(n);
            for (int d : shape) {
                o.writeInt(d);
            }
            byte[] buf = new byte[n * r.itemSize()];
            r.read(buf, n);
            o.write(buf);
        }
    }

    @Test
    void badFilesGiveOneLineNamingTheFile(@TempDir Path tmp) throws IOException {
        Path garbage = tmp.resolve("garbage.idx");
        Files.write(garbage, new byte[] {1, 2, 3, 4, 5, 6, 7, 8});
        LowbitException e = assertThrows(LowbitException.class, () -> IdxReader.open(garbage));
        assertTrue(e.getMessage().startsWith(garbage.toString()) && e.getMessage().contains("magic"), e.getMessage());
        assertFalse(e.getMessage().contains("\n"));

        Path floats = tmp.resolve("floats.idx");
        Files.write(floats, new byte[] {0, 0, 0x0D, 1, 0, 0, 0, 1, 0, 0, 0, 0});
        e = assertThrows(LowbitException.class, () -> IdxReader.open(floats));
        assertTrue(e.getMessage().contains("0xd"), e.getMessage());

        Path truncated = tmp.resolve("truncated.idx");
        Files.write(truncated, new byte[] {0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0, 2, 1, 2, 3});
        e = assertThrows(LowbitException.class, () -> IdxReader.open(truncated));
        assertTrue(e.getMessage().contains("truncated"), e.getMessage());

        Path labels = tmp.resolve("labels.idx");
        Files.write(labels, new byte[] {0, 0, 8, 1, 0, 0, 0, 3, 1, 2, 3});
        e = assertThrows(LowbitException.class, () -> new IdxDataset(IMAGES, labels, DatasetOptions.defaults()));
        assertTrue(e.getMessage().startsWith(labels.toString()) && e.getMessage().contains("3 items"), e.getMessage());

        e = assertThrows(LowbitException.class, () -> Datasets.open(tmp.resolve("none"), DatasetOptions.defaults()));
        assertTrue(e.getMessage().contains("no such file"));
        e = assertThrows(LowbitException.class, () -> Datasets.open(garbage, DatasetOptions.defaults()));
        assertTrue(e.getMessage().contains("not a data set"), e.getMessage());
    }
}
