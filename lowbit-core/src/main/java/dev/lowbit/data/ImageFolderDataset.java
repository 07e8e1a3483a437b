package dev.lowbit.data;

import dev.lowbit.LowbitException;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.awt.image.Raster;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * Images in one sub-folder per class ({@code root/CLASS/*.png|jpg|jpeg|bmp|gif}), labels being the
 * index of the class name in sorted order, files sorted by name within a class; or, for calibration
 * and comparison, images directly in {@code root} without sub-folders (no labels). Images are decoded
 * with javax.imageio when their batch is read. Without resize/crop every image must have the size
 * of the first one.
 */
public final class ImageFolderDataset extends Dataset {
    private static final List<String> EXTENSIONS = List.of(".png", ".jpg", ".jpeg", ".bmp", ".gif");

    private final List<String> classes;
    private final Path[] files;
    private final int[] fileLabels;
    private final Preprocess preprocess;
    private final int[] sampleShape;

    public ImageFolderDataset(Path root, DatasetOptions options) {
        this(root, scan(root), options);
    }

    private ImageFolderDataset(Path root, Scan scan, DatasetOptions options) {
        super(root + (scan.classes.isEmpty() ? " (image folder, unlabelled)" : " (image folder, " + scan.classes.size() + " classes)"),
                scan.files.size(), options);
        this.classes = scan.classes;
        this.files = scan.files.toArray(new Path[0]);
        this.fileLabels = scan.labels.stream().mapToInt(Integer::intValue).toArray();
        this.preprocess = options.preprocessOrDefault();
        Preprocess.Image first = decode(files[0]);
        this.sampleShape = preprocess.sampleShape(first.height(), first.width(), first.channels());
    }

    private record Scan(List<String> classes, List<Path> files, List<Integer> labels) {
    }

    private static Scan scan(Path root) {
        if (!Files.isDirectory(root)) {
            throw new LowbitException(root + ": not a directory");
        }
        List<String> classes = new ArrayList<>();
        List<Path> files = new ArrayList<>();
        List<Integer> labels = new ArrayList<>();
        try (Stream<Path> dirs = Files.list(root)) {
            List<Path> classDirs = dirs.filter(Files::isDirectory)
                    .filter(p -> !p.getFileName().toString().startsWith("."))
                    .sorted().toList();
            for (Path dir : classDirs) {
                List<Path> images = imagesIn(dir);
                int label = classes.size();
                classes.add(dir.getFileName().toString());
                for (Path p : images) {
                    files.add(p);
                    labels.add(label);
                }
            }
            if (classes.isEmpty()) {
                files.addAll(imagesIn(root));
            }
        } catch (IOException e) {
            throw new LowbitException(root + ": cannot list image folder: " + e.getMessage(), e);
        }
        if (files.isEmpty()) {
            throw new LowbitException(root + ": image folder has no images (" + String.join(", ", EXTENSIONS)
                    + ") in it or in class sub-folders");
        }
        return new Scan(List.copyOf(classes), files, labels);
    }

    private static List<Path> imagesIn(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(Files::isRegularFile).filter(ImageFolderDataset::isImageName).sorted().toList();
        }
    }

    private static boolean isImageName(Path p) {
        String n = p.getFileName().toString().toLowerCase(Locale.ROOT);
        return !n.startsWith(".") && EXTENSIONS.stream().anyMatch(n::endsWith);
    }

    /** Class names in label order. */
    public List<String> classes() {
        return classes;
    }

    @Override
    public int[] sampleShape() {
        return sampleShape.clone();
    }

    @Override
    public boolean hasLabels() {
        return !classes.isEmpty();
    }

    @Override
    protected void readSamples(int[] indices, int n, float[] dst, long[] labels) {
        int sampleSize = dst.length / Math.max(1, n);
        for (int i = 0; i < n; i++) {
            Path file = files[indices[i]];
            Preprocess.Image img = decode(file);
            int[] shape = preprocess.sampleShape(img.height(), img.width(), img.channels());
            if (!Arrays.equals(shape, sampleShape)) {
                throw new LowbitException(file + ": image gives a sample of shape " + Arrays.toString(shape)
                        + " but the data set's is " + Arrays.toString(sampleShape) + " (set a resize and crop)");
            }
            try {
                preprocess.apply(img, dst, i * sampleSize);
            } catch (LowbitException e) {
                throw new LowbitException(file + ": " + e.getMessage(), e);
            }
            if (labels != null && hasLabels()) {
                labels[i] = fileLabels[indices[i]];
            }
        }
    }

    /** Decodes an image file to 0..255 pixels: one channel for grey images, else RGB (alpha dropped). */
    public static Preprocess.Image decode(Path file) {
        BufferedImage img;
        try {
            img = ImageIO.read(file.toFile());
        } catch (IOException e) {
            throw new LowbitException(file + ": cannot decode image: " + e.getMessage(), e);
        }
        if (img == null) {
            throw new LowbitException(file + ": not a readable image (no javax.imageio decoder accepts it)");
        }
        int h = img.getHeight();
        int w = img.getWidth();
        int colorComponents = img.getColorModel().getNumColorComponents();
        if (colorComponents == 1) {
            // Read grey samples from the raster: getRGB would push them through a colour conversion.
            Raster r = img.getRaster();
            int bits = img.getColorModel().getComponentSize(0);
            float norm = 255f / ((1 << bits) - 1);
            float[] px = new float[h * w];
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    px[y * w + x] = r.getSample(x, y, 0) * norm;
                }
            }
            return new Preprocess.Image(h, w, 1, px);
        }
        int[] argb = img.getRGB(0, 0, w, h, null, 0, w);
        float[] px = new float[h * w * 3];
        for (int i = 0; i < argb.length; i++) {
            int v = argb[i];
            px[3 * i] = (v >> 16) & 0xFF;
            px[3 * i + 1] = (v >> 8) & 0xFF;
            px[3 * i + 2] = v & 0xFF;
        }
        return new Preprocess.Image(h, w, 3, px);
    }
}
