package dev.lowbit.data;

import dev.lowbit.LowbitException;
import dev.lowbit.onnx.TensorProtos;
import dev.lowbit.tensor.DType;
import dev.lowbit.tensor.Tensor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Samples stored as arrays whose first axis is the sample index: a {@code .npy} file (read
 * sample by sample from disk, so memory stays one batch), a {@code .npz} archive (arrays named
 * x/images/data/input, labels y/labels/label), or a folder of ONNX {@code test_data_set_*}
 * folders whose {@code input_0.pb} batches are concatenated.
 *
 * <p>Float arrays are taken as model-ready input. Integer arrays are raw pixels: they are scaled
 * and normalised with the {@link Preprocess} scale, mean and std (channel axis 1).
 */
public final class ArrayDataset extends Dataset {
    /** Reads n consecutive-or-not samples into a float buffer. */
    private interface Source extends AutoCloseable {
        void read(int index, float[] dst, int offset);

        @Override
        void close();
    }

    private final int[] sampleShape;
    private final long[] labels;
    private final Source source;
    private final Preprocess preprocess;
    private final boolean raw;

    private ArrayDataset(String name, int total, int[] sampleShape, long[] labels, Source source, boolean raw,
                         DatasetOptions options) {
        super(name, total, options);
        this.sampleShape = sampleShape;
        this.labels = labels;
        this.source = source;
        this.raw = raw;
        this.preprocess = options.preprocessOrDefault();
        if (labels != null && labels.length < total) {
            throw new LowbitException(name + ": " + labels.length + " labels for " + total + " samples");
        }
    }

    /** Opens a .npy or .npz file, or a folder of test_data_set_* folders. */
    public static ArrayDataset open(Path path, DatasetOptions options) {
        long[] labels = options.labels() == null ? null : Npy.read(options.labels()).toLongArray();
        if (Files.isDirectory(path)) {
            return testDataSets(path, labels, options);
        }
        String n = path.getFileName().toString().toLowerCase(java.util.Locale.ROOT);
        if (n.endsWith(".npz")) {
            Map<String, Tensor> arrays = Npz.read(path);
            Tensor x = pick(arrays, path, "x", "images", "data", "input", "inputs");
            if (labels == null) {
                Tensor y = pickOptional(arrays, "y", "labels", "label", "targets");
                labels = y == null ? null : y.toLongArray();
            }
            return inMemory(path + " (npz)", x, labels, options);
        }
        return npy(path, labels, options);
    }

    private static ArrayDataset inMemory(String name, Tensor x, long[] labels, DatasetOptions options) {
        if (x.rank() < 1) {
            throw new LowbitException(name + ": samples need a leading sample axis, got a scalar");
        }
        int total = x.dim(0);
        int per = total == 0 ? 0 : x.size() / total;
        boolean raw = !x.dtype().isFloatingPoint();
        Source s = new Source() {
            @Override
            public void read(int index, float[] dst, int offset) {
                for (int i = 0; i < per; i++) {
                    dst[offset + i] = (float) x.getDouble(index * per + i);
                }
            }

            @Override
            public void close() {
            }
        };
        return new ArrayDataset(name, total, Arrays.copyOfRange(x.shapeRef(), 1, x.rank()), labels, s, raw, options);
    }

    private static ArrayDataset npy(Path path, long[] labels, DatasetOptions options) {
        byte[] head = new byte[65536];
        int got;
        try (var in = Files.newInputStream(path)) {
            got = in.readNBytes(head, 0, head.length);
        } catch (IOException e) {
            throw new LowbitException(path + ": cannot read (" + e.getMessage() + ")");
        }
        Npy.Header h = Npy.parseHeader(Arrays.copyOf(head, got), path.toString());
        if (h.shape().length < 1) {
            throw new LowbitException(path + ": samples need a leading sample axis, got a scalar");
        }
        DType t = h.dtype();
        if (t == DType.BOOL || t == DType.FLOAT16) {
            throw new LowbitException(path + ": " + t.onnxName() + " arrays are not a data set (use float32 or uint8)");
        }
        int total = h.shape()[0];
        int[] sample = Arrays.copyOfRange(h.shape(), 1, h.shape().length);
        int per = dev.lowbit.tensor.Shapes.size(sample);
        int bytesPer = per * t.byteSize();
        long need = h.dataOffset() + (long) total * bytesPer;
        FileChannel ch;
        try {
            ch = FileChannel.open(path, StandardOpenOption.READ);
            long size = ch.size();
            if (size < need) {
                ch.close();
                throw new LowbitException(path + ": truncated file: needs " + need + " bytes, has " + size);
            }
        } catch (IOException e) {
            throw new LowbitException(path + ": cannot read (" + e.getMessage() + ")");
        }
        ByteBuffer buf = ByteBuffer.allocate(bytesPer).order(h.order());
        Source s = new Source() {
            @Override
            public void read(int index, float[] dst, int offset) {
                buf.clear();
                try {
                    long pos = h.dataOffset() + (long) index * bytesPer;
                    while (buf.hasRemaining()) {
                        if (ch.read(buf, pos + buf.position()) < 0) {
                            throw new LowbitException(path + ": truncated file at sample " + index);
                        }
                    }
                } catch (IOException e) {
                    throw new LowbitException(path + ": cannot read sample " + index + " (" + e.getMessage() + ")");
                }
                buf.flip();
                for (int i = 0; i < per; i++) {
                    dst[offset + i] = switch (t) {
                        case FLOAT -> buf.getFloat();
                        case DOUBLE -> (float) buf.getDouble();
                        case INT8 -> buf.get();
                        case UINT8 -> buf.get() & 0xFF;
                        case INT16 -> buf.getShort();
                        case UINT16 -> buf.getShort() & 0xFFFF;
                        case INT32, UINT32 -> buf.getInt();
                        case INT64, UINT64 -> buf.getLong();
                        default -> throw new IllegalStateException();
                    };
                }
            }

            @Override
            public void close() {
                try {
                    ch.close();
                } catch (IOException ignored) {
                    // closing a read-only channel
                }
            }
        };
        return new ArrayDataset(path + " (npy)", total, sample, labels, s, !t.isFloatingPoint(), options);
    }

    private static ArrayDataset testDataSets(Path dir, long[] labels, DatasetOptions options) {
        List<Path> files;
        try (Stream<Path> s = Files.list(dir)) {
            files = s.filter(p -> p.getFileName().toString().startsWith("test_data_set_")).sorted()
                    .map(p -> p.resolve("input_0.pb")).filter(Files::isRegularFile).toList();
        } catch (IOException e) {
            throw new LowbitException(dir + ": cannot list (" + e.getMessage() + ")");
        }
        if (files.isEmpty() && Files.isRegularFile(dir.resolve("input_0.pb"))) {
            files = List.of(dir.resolve("input_0.pb"));
        }
        if (files.isEmpty()) {
            throw new LowbitException(dir + ": no test_data_set_*/input_0.pb files");
        }
        // The input tensors of ONNX test cases are small: concatenate them along the batch axis.
        List<Tensor> parts = files.stream().map(TensorProtos::readFile).toList();
        int[] shape = parts.get(0).shape();
        int total = 0;
        for (Tensor p : parts) {
            if (p.rank() != shape.length || !Arrays.equals(Arrays.copyOfRange(p.shapeRef(), 1, p.rank()),
                    Arrays.copyOfRange(shape, 1, shape.length))) {
                throw new LowbitException(dir + ": test data sets have different sample shapes");
            }
            total += p.dim(0);
        }
        int per = total == 0 ? 0 : parts.get(0).size() / Math.max(1, parts.get(0).dim(0));
        float[] all = new float[total * per];
        int off = 0;
        for (Tensor p : parts) {
            for (int i = 0; i < p.size(); i++) {
                all[off++] = (float) p.getDouble(i);
            }
        }
        shape[0] = total;
        Tensor x = Tensor.of(all, shape);
        return inMemory(dir + " (test_data_set)", x, labels, options);
    }

    private static Tensor pick(Map<String, Tensor> arrays, Path path, String... names) {
        Tensor t = pickOptional(arrays, names);
        if (t == null) {
            if (arrays.size() == 1) {
                return arrays.values().iterator().next();
            }
            throw new LowbitException(path + ": no sample array; expected one named " + String.join("/", names)
                    + ", found " + arrays.keySet());
        }
        return t;
    }

    private static Tensor pickOptional(Map<String, Tensor> arrays, String... names) {
        for (String n : names) {
            if (arrays.containsKey(n)) {
                return arrays.get(n);
            }
        }
        return null;
    }

    @Override
    public int[] sampleShape() {
        return sampleShape.clone();
    }

    @Override
    public boolean hasLabels() {
        return labels != null;
    }

    @Override
    protected void readSamples(int[] indices, int n, float[] dst, long[] outLabels) {
        int per = dev.lowbit.tensor.Shapes.size(sampleShape);
        int channels = sampleShape.length >= 3 ? sampleShape[0] : 1;
        int plane = channels == 0 ? 0 : per / Math.max(1, channels);
        for (int k = 0; k < n; k++) {
            source.read(indices[k], dst, k * per);
            if (raw) {
                for (int i = 0; i < per; i++) {
                    int c = plane == 0 ? 0 : Math.min(channels - 1, i / plane);
                    dst[k * per + i] = preprocess.normalize(dst[k * per + i], c);
                }
            }
            if (outLabels != null) {
                outLabels[k] = labels[indices[k]];
            }
        }
    }

    @Override
    public void close() {
        source.close();
    }
}
