package dev.lowbit.data;

import dev.lowbit.LowbitException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ImageFolderDatasetTest {
    private static void writeRgb(Path file, int w, int h, int seed) throws IOException {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                img.setRGB(x, y, ((seed + x) & 0xFF) << 16 | ((seed * 3 + y) & 0xFF) << 8 | ((x * y) & 0xFF));
            }
        }
        ImageIO.write(img, "png", file.toFile());
    }

    @Test
    void classesLabelsAndPixels(@TempDir Path root) throws IOException {
        Files.createDirectories(root.resolve("zebra"));
        Files.createDirectories(root.resolve("ant"));
        writeRgb(root.resolve("zebra/b.png"), 6, 4, 10);
        writeRgb(root.resolve("zebra/a.png"), 6, 4, 20);
        writeRgb(root.resolve("ant/x.png"), 6, 4, 30);
        BufferedImage grey = new BufferedImage(6, 4, BufferedImage.TYPE_BYTE_GRAY);
        grey.getRaster().setSample(2, 1, 0, 200);
        ImageIO.write(grey, "png", root.resolve("ant/y.png").toFile());
        Files.writeString(root.resolve("ant/notes.txt"), "ignored");

        DatasetOptions opts = DatasetOptions.defaults()
                .withPreprocess(Preprocess.defaults().withChannels(3).withScale(1));
        try (ImageFolderDataset d = (ImageFolderDataset) Datasets.open(root, opts)) {
            assertEquals(List.of("ant", "zebra"), d.classes());
            assertEquals(4, d.size());
            assertArrayEquals(new int[] {3, 4, 6}, d.sampleShape());
            Batch b = d.readAll();
            assertArrayEquals(new long[] {0, 0, 1, 1}, b.labels());
            float[] px = b.images().floats();
            int per = 3 * 4 * 6;
            // image 0 = ant/x.png (seed 30): pixel (x=1, y=2): R = 31, G = 92, B = 2
            assertEquals(31f, px[(0 * 4 + 2) * 6 + 1]);
            assertEquals(92f, px[(1 * 4 + 2) * 6 + 1]);
            assertEquals(2f, px[(2 * 4 + 2) * 6 + 1]);
            // image 1 = ant/y.png, grey replicated to 3 channels, raw sample value kept
            for (int c = 0; c < 3; c++) {
                assertEquals(200f, px[per + (c * 4 + 1) * 6 + 2]);
                assertEquals(0f, px[per + (c * 4 + 1) * 6 + 3]);
            }
            // image 2 = zebra/a.png (seed 20)
            assertEquals(21f, px[2 * per + (0 * 4 + 0) * 6 + 1]);
        }
    }

    @Test
    void badImagesAreNamed(@TempDir Path root) throws IOException {
        Files.createDirectories(root.resolve("c0"));
        writeRgb(root.resolve("c0/a.png"), 6, 4, 1);
        Files.writeString(root.resolve("c0/b.png"), "not a png");
        writeRgb(root.resolve("c0/c.png"), 5, 5, 1);
        try (Dataset d = Datasets.open(root, DatasetOptions.defaults())) {
            var it = d.batches(1);
            it.next();
            LowbitException e = assertThrows(LowbitException.class, it::next);
            assertTrue(e.getMessage().startsWith(root.resolve("c0/b.png").toString()), e.getMessage());
            assertFalse(e.getMessage().contains("\n"));
        }
        Files.delete(root.resolve("c0/b.png"));
        try (Dataset d = Datasets.open(root, DatasetOptions.defaults())) {
            var it = d.batches(1);
            it.next();
            LowbitException e = assertThrows(LowbitException.class, it::next);
            assertTrue(e.getMessage().contains("c.png") && e.getMessage().contains("resize"), e.getMessage());
        }
        Path empty = Files.createDirectories(root.resolve("empty"));
        LowbitException e = assertThrows(LowbitException.class, () -> Datasets.open(empty, DatasetOptions.defaults()));
        assertTrue(e.getMessage().contains("has no images"), e.getMessage());
    }

    @Test
    void imagesWithoutClassFoldersAreOneUnlabelledSet(@TempDir Path root) throws IOException {
        writeRgb(root.resolve("b.png"), 5, 3, 7);
        writeRgb(root.resolve("a.png"), 5, 3, 9);
        DatasetOptions opts = DatasetOptions.defaults()
                .withPreprocess(Preprocess.defaults().withChannels(3).withScale(1));
        try (Dataset d = Datasets.open(root, opts)) {
            assertEquals(2, d.size());
            assertFalse(d.hasLabels());
            Batch b = d.readAll();
            // a.png (seed 9) comes first: pixel (x=2, y=1): R = 11
            assertEquals(11f, b.images().floats()[1 * 5 + 2]);
        }
    }
}
