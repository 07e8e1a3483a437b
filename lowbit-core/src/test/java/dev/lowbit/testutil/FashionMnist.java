package dev.lowbit.testutil;

import dev.lowbit.tensor.Tensor;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;

/**
 * Test-only reader for the Fashion-MNIST slices in {@code src/test/resources/fmnist} (gzipped IDX
 * files, written by {@code tools/fixtures/train_fmnist.py --slices}) and the fixture models'
 * preprocessing: {@code (pixel / 255 - 0.2860) / 0.3530}, laid out as float [N,1,28,28].
 */
public final class FashionMnist {
    public static final float MEAN = 0.2860f;
    public static final float STD = 0.3530f;

    /** The first 1000 test images. */
    public static final String TEST_IMAGES = "t1000-images-idx3-ubyte.gz";
    public static final String TEST_LABELS = "t1000-labels-idx1-ubyte.gz";
    /** The first 512 training images (calibration). */
    public static final String CALIB_IMAGES = "calib512-images-idx3-ubyte.gz";
    public static final String CALIB_LABELS = "calib512-labels-idx1-ubyte.gz";

    /** An IDX file's unsigned bytes and dims (e.g. [1000,28,28] or [1000]). */
    public record Idx(int[] dims, byte[] data) {
        public int count() {
            return dims[0];
        }

        /** Element {@code i} as 0..255. */
        public int unsigned(int i) {
            return data[i] & 0xFF;
        }
    }

    private FashionMnist() {
    }

    /** A path under {@code src/test/resources} (via the test class path). */
    public static Path resource(String relative) {
        var url = FashionMnist.class.getResource("/" + relative);
        if (url == null) {
            throw new IllegalStateException("test resource " + relative + " is missing (see tools/fixtures/README.md)");
        }
        try {
            return Path.of(url.toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Reads one of the fmnist slices by file name. */
    public static Idx slice(String fileName) {
        return read(resource("fmnist/" + fileName));
    }

    /** Reads a gzipped IDX file of unsigned bytes (magic 0x0000 08 ndim, big-endian dims). */
    public static Idx read(Path gz) {
        try (InputStream raw = Files.newInputStream(gz);
                DataInputStream in = new DataInputStream(new GZIPInputStream(raw))) {
            int magic = in.readInt();
            if ((magic >>> 8) != 0x08) {
                throw new IllegalStateException(gz + ": not an unsigned-byte IDX file (magic " + Integer.toHexString(magic) + ")");
            }
            int[] dims = new int[magic & 0xFF];
            long n = 1;
            for (int i = 0; i < dims.length; i++) {
                dims[i] = in.readInt();
                n *= dims[i];
            }
            byte[] data = new byte[Math.toIntExact(n)];
            in.readFully(data);
            return new Idx(dims, data);
        } catch (IOException e) {
            throw new UncheckedIOException(gz + ": " + e.getMessage(), e);
        }
    }

    /** Images {@code [from, from+count)} preprocessed into a float [count,1,28,28] tensor. */
    public static Tensor images(Idx images, int from, int count) {
        int pixels = images.dims()[1] * images.dims()[2];
        float[] x = new float[count * pixels];
        for (int i = 0; i < x.length; i++) {
            x[i] = (images.unsigned(from * pixels + i) / 255f - MEAN) / STD;
        }
        return Tensor.of(x, count, 1, images.dims()[1], images.dims()[2]);
    }

    /** Labels {@code [from, from+count)}. */
    public static int[] labels(Idx labels, int from, int count) {
        int[] y = new int[count];
        for (int i = 0; i < count; i++) {
            y[i] = labels.unsigned(from + i);
        }
        return y;
    }

    /** Row-wise argmax of a [N,C] float tensor. */
    public static int[] argmax(Tensor logits) {
        int n = logits.dim(0);
        int c = logits.dim(1);
        float[] v = logits.floats();
        int[] out = new int[n];
        for (int i = 0; i < n; i++) {
            int best = 0;
            for (int j = 1; j < c; j++) {
                if (v[i * c + j] > v[i * c + best]) {
                    best = j;
                }
            }
            out[i] = best;
        }
        return out;
    }
}
