package dev.lowbit.data;

import dev.lowbit.LowbitException;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.zip.GZIPInputStream;

/**
 * IDX images ([N, H, W] grey or [N, H, W, C]) with an optional IDX label file. In file order the
 * files are streamed; a shuffled order needs random access, so a gzipped file is then inflated
 * once to a temporary file (deleted on close) rather than loaded into memory.
 */
public final class IdxDataset extends Dataset {
    private final Path imagesPath;
    private final Path labelsPath;
    private final Preprocess preprocess;
    private final int height;
    private final int width;
    private final int channels;
    private final int itemSize;
    private final boolean signed;
    private final int[] sampleShape;
    private IdxReader images;
    private IdxReader labels;
    private RandomItems randomImages;
    private RandomItems randomLabels;

    public IdxDataset(Path imagesPath, Path labelsPath, DatasetOptions options) {
        this(IdxReader.open(imagesPath), labelsPath, options);
    }

    private IdxDataset(IdxReader images, Path labelsPath, DatasetOptions options) {
        super(images.path() + " (IDX)", images.count(), options);
        this.imagesPath = images.path();
        this.labelsPath = labelsPath;
        this.preprocess = options.preprocessOrDefault();
        this.images = images;
        int[] item = images.itemShape();
        if (item.length != 2 && item.length != 3) {
            images.close();
            throw new LowbitException(imagesPath + ": IDX images need items of shape [H, W] or [H, W, C], got "
                    + Arrays.toString(item));
        }
        this.height = item[0];
        this.width = item[1];
        this.channels = item.length == 3 ? item[2] : 1;
        this.itemSize = images.itemSize();
        this.signed = images.signed();
        this.sampleShape = preprocess.sampleShape(height, width, channels);
        if (labelsPath != null) {
            labels = IdxReader.open(labelsPath);
            if (labels.count() != images.count() || labels.itemSize() != 1) {
                int n = labels.count();
                int[] shape = labels.itemShape();
                close();
                throw new LowbitException(labelsPath + ": label file has " + n + " items of shape "
                        + Arrays.toString(shape) + ", images file " + imagesPath.getFileName() + " has "
                        + images.count() + " images");
            }
        }
    }

    /** The label file next to an IDX image file by MNIST naming ({@code *-images-idx3-*} to {@code *-labels-idx1-*}), or null. */
    public static Path guessLabels(Path images) {
        String name = images.getFileName().toString();
        if (!name.contains("images-idx3")) {
            return null;
        }
        Path p = images.resolveSibling(name.replace("images-idx3", "labels-idx1"));
        return Files.isRegularFile(p) ? p : null;
    }

    @Override
    public int[] sampleShape() {
        return sampleShape.clone();
    }

    @Override
    public boolean hasLabels() {
        return labelsPath != null;
    }

    @Override
    protected void readSamples(int[] indices, int n, float[] dst, long[] out) {
        byte[] raw = new byte[itemSize];
        float[] px = new float[itemSize];
        int sampleSize = dst.length / Math.max(1, n);
        for (int i = 0; i < n; i++) {
            int index = indices[i];
            if (shuffled()) {
                if (randomImages == null) {
                    randomImages = new RandomItems(imagesPath, itemSize);
                    randomLabels = labelsPath == null ? null : new RandomItems(labelsPath, 1);
                }
                randomImages.read(index, raw);
            } else {
                images = seek(images, imagesPath, index);
                images.read(raw, 1);
            }
            for (int k = 0; k < itemSize; k++) {
                px[k] = signed ? raw[k] : raw[k] & 0xFF;
            }
            preprocess.apply(new Preprocess.Image(height, width, channels, px), dst, i * sampleSize);
            if (out != null) {
                if (shuffled()) {
                    byte[] b = new byte[1];
                    randomLabels.read(index, b);
                    out[i] = labels.signed() ? b[0] : b[0] & 0xFF;
                } else {
                    labels = seek(labels, labelsPath, index);
                    out[i] = labels.readLabels(1)[0];
                }
            }
        }
    }

    /** Positions a sequential reader on {@code index}: skipping forward, or reopening to go back. */
    private static IdxReader seek(IdxReader r, Path path, int index) {
        if (r.position() > index) {
            r.close();
            r = IdxReader.open(path);
        }
        r.skip(index - r.position());
        return r;
    }

    @Override
    public void close() {
        images.close();
        if (labels != null) {
            labels.close();
        }
        if (randomImages != null) {
            randomImages.close();
        }
        if (randomLabels != null) {
            randomLabels.close();
        }
    }

    /** Random access to the items of an IDX file, via a temporary inflated copy when gzipped. */
    private static final class RandomItems implements AutoCloseable {
        private final Path source;
        private final Path temp;
        private final FileChannel channel;
        private final long dataOffset;
        private final int itemSize;

        RandomItems(Path source, int itemSize) {
            this.source = source;
            this.itemSize = itemSize;
            try (IdxReader r = IdxReader.open(source)) {
                dataOffset = 4L + 4L * (r.itemShape().length + 1);
            }
            try {
                if (IdxReader.isGzip(source)) {
                    temp = Files.createTempFile("lowbit-idx-", ".idx");
                    temp.toFile().deleteOnExit();
                    try (InputStream in = new GZIPInputStream(Files.newInputStream(source), 1 << 16);
                         OutputStream out = Files.newOutputStream(temp)) {
                        in.transferTo(out);
                    }
                    channel = FileChannel.open(temp, StandardOpenOption.READ);
                } else {
                    temp = null;
                    channel = FileChannel.open(source, StandardOpenOption.READ);
                }
            } catch (IOException e) {
                throw new LowbitException(source + ": cannot prepare random access: " + e.getMessage(), e);
            }
        }

        void read(int index, byte[] dst) {
            ByteBuffer buf = ByteBuffer.wrap(dst, 0, itemSize);
            long pos = dataOffset + (long) index * itemSize;
            try {
                while (buf.hasRemaining()) {
                    int n = channel.read(buf, pos + buf.position());
                    if (n < 0) {
                        throw new LowbitException(source + ": truncated IDX data at item " + index);
                    }
                }
            } catch (IOException e) {
                throw new LowbitException(source + ": cannot read item " + index + ": " + e.getMessage(), e);
            }
        }

        @Override
        public void close() {
            try {
                channel.close();
                if (temp != null) {
                    Files.deleteIfExists(temp);
                }
            } catch (IOException ignored) {
                // a leftover temp file is removed on exit
            }
        }
    }
}
