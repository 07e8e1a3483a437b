package dev.lowbit.onnx;

import com.google.protobuf.ByteString;
import dev.lowbit.LowbitException;
import dev.lowbit.onnx.proto.Onnx.StringStringEntryProto;
import dev.lowbit.onnx.proto.Onnx.TensorProto;
import dev.lowbit.tensor.DType;
import dev.lowbit.tensor.Shapes;
import dev.lowbit.tensor.Tensor;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Conversion between ONNX {@code TensorProto} and {@link Tensor}, including external data. */
public final class TensorProtos {
    private TensorProtos() {
    }

    /** The most elements one tensor can have (a Java array's length limit). */
    static final long MAX_ELEMENTS = Integer.MAX_VALUE - 8;

    /** Decodes a tensor; {@code baseDir} resolves external data locations (may be null). */
    public static Tensor fromProto(TensorProto p, Path baseDir) {
        DType dtype;
        try {
            dtype = DType.fromOnnx(p.getDataType());
        } catch (IllegalArgumentException e) {
            throw new LowbitException("tensor '" + p.getName() + "': unsupported data type " + p.getDataType());
        }
        int[] shape = new int[p.getDimsCount()];
        for (int i = 0; i < shape.length; i++) {
            long d = p.getDims(i);
            if (d < 0 || d > Integer.MAX_VALUE) {
                throw new LowbitException("tensor '" + p.getName() + "': dimension " + i + " is " + d
                        + (d < 0 ? " (negative)" : " (larger than 2^31-1)"));
            }
            shape[i] = (int) d;
        }
        long elements = 1;
        for (int d : shape) {
            elements = Math.min(elements * d, MAX_ELEMENTS + 1); // both factors < 2^31: no overflow
        }
        if (elements > MAX_ELEMENTS) {
            throw new LowbitException("tensor '" + p.getName() + "': shape " + p.getDimsList()
                    + " has more elements than a Java array holds");
        }
        int n = (int) elements;
        checkStoredCount(p, dtype, n); // before allocating: a header may promise far more than the file holds
        Tensor t = Tensor.zeros(dtype, shape);
        if (p.getDataLocation() == TensorProto.DataLocation.EXTERNAL) {
            readRaw(t, externalBytes(p, baseDir, (long) n * dtype.byteSize()), p.getName());
            return t;
        }
        if (p.hasRawData()) {
            readRaw(t, p.getRawData().asReadOnlyByteBuffer(), p.getName());
            return t;
        }
        switch (dtype) {
            case FLOAT -> copyCount(p.getFloatDataCount(), n, p.getName(), i -> t.floats()[i] = p.getFloatData(i));
            case DOUBLE -> copyCount(p.getDoubleDataCount(), n, p.getName(), i -> t.doubles()[i] = p.getDoubleData(i));
            case INT64 -> copyCount(p.getInt64DataCount(), n, p.getName(), i -> t.longs()[i] = p.getInt64Data(i));
            case UINT64 -> copyCount(p.getUint64DataCount(), n, p.getName(), i -> t.longs()[i] = p.getUint64Data(i));
            case UINT32 -> copyCount(p.getUint64DataCount(), n, p.getName(), i -> t.ints()[i] = (int) p.getUint64Data(i));
            case STRING -> copyCount(p.getStringDataCount(), n, p.getName(),
                    i -> t.strings()[i] = p.getStringData(i).toString(StandardCharsets.UTF_8));
            // int32_data carries INT32, INT16, INT8, UINT16, UINT8, BOOL and the 16-bit floats (as bits).
            default -> copyCount(p.getInt32DataCount(), n, p.getName(), i -> t.setLong(i, p.getInt32Data(i)));
        }
        return t;
    }

    /** Fails when the tensor's inline data holds another number of values than its shape needs. */
    private static void checkStoredCount(TensorProto p, DType dtype, long n) {
        if (p.getDataLocation() == TensorProto.DataLocation.EXTERNAL) {
            return; // checked against the file's length when it is read
        }
        long have;
        if (p.hasRawData()) {
            if (dtype == DType.STRING) {
                return;
            }
            have = p.getRawData().size() / Math.max(1, dtype.byteSize());
        } else {
            have = Math.max(Math.max(Math.max(p.getFloatDataCount(), p.getDoubleDataCount()),
                    Math.max(p.getInt64DataCount(), p.getUint64DataCount())),
                    Math.max(p.getInt32DataCount(), p.getStringDataCount()));
        }
        if (have < n) {
            throw new LowbitException("tensor '" + p.getName() + "' holds " + have + " values, its shape "
                    + p.getDimsList() + " needs " + n);
        }
    }

    private interface IntConsumer {
        void accept(int i);
    }

    private static void copyCount(int have, int need, String name, IntConsumer c) {
        if (have != need) {
            throw new LowbitException("tensor '" + name + "' has " + have + " values, its shape needs " + need);
        }
        for (int i = 0; i < need; i++) {
            c.accept(i);
        }
    }

    private static ByteBuffer externalBytes(TensorProto p, Path baseDir, long expected) {
        String location = null;
        long offset = 0;
        long length = -1;
        for (StringStringEntryProto e : p.getExternalDataList()) {
            switch (e.getKey()) {
                case "location" -> location = e.getValue();
                case "offset" -> offset = parseLong(e.getValue(), "offset", p.getName());
                case "length" -> length = parseLong(e.getValue(), "length", p.getName());
                default -> { }
            }
        }
        if (location == null) {
            throw new LowbitException("tensor '" + p.getName() + "': external data without a location");
        }
        Path file = confined(location, baseDir, p.getName());
        if (offset < 0 || length < -1) {
            throw new LowbitException("tensor '" + p.getName() + "': negative external data offset or length");
        }
        if (length < 0) {
            length = expected;
        }
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "r")) {
            if (offset + length > raf.length()) {
                throw new LowbitException(file + ": too short for tensor '" + p.getName() + "' (needs "
                        + (offset + length) + " bytes, has " + raf.length() + ")");
            }
            if (length > MAX_ELEMENTS) {
                throw new LowbitException(file + ": external data of tensor '" + p.getName() + "' is larger than 2 GB");
            }
            byte[] buf = new byte[(int) length];
            raf.seek(offset);
            raf.readFully(buf);
            return ByteBuffer.wrap(buf);
        } catch (IOException e) {
            throw new LowbitException(file + ": cannot read external data: " + e.getMessage());
        }
    }

    private static long parseLong(String text, String key, String tensor) {
        try {
            return Long.parseLong(text.strip());
        } catch (NumberFormatException e) {
            throw new LowbitException("tensor '" + tensor + "': external data " + key + " '" + text + "' is not a number");
        }
    }

    /**
     * The external data file {@code location} names, which must stay inside the model's folder (as
     * ONNX's checker requires): a relative path without "..", resolving — symbolic links followed —
     * to a regular file under the folder. Checked before anything is opened.
     */
    static Path confined(String location, Path baseDir, String tensor) {
        Path dir = baseDir == null ? Path.of("").toAbsolutePath() : baseDir.toAbsolutePath();
        Path rel;
        try {
            rel = Path.of(location);
        } catch (java.nio.file.InvalidPathException e) {
            throw new LowbitException("tensor '" + tensor + "': external data location '" + location + "' is not a path");
        }
        boolean escapes = rel.isAbsolute() || location.startsWith("/") || location.startsWith("\\")
                || location.contains("\0") || !dir.resolve(rel).normalize().startsWith(dir.normalize());
        for (Path part : rel) {
            escapes |= part.toString().equals("..");
        }
        if (escapes) {
            throw new LowbitException("tensor '" + tensor + "': external data location '" + location
                    + "' is outside the model's folder (it must be a relative path below " + dir + ")");
        }
        Path file = dir.resolve(rel).normalize();
        if (!Files.isRegularFile(file)) {
            throw new LowbitException(file + ": external data file of tensor '" + tensor + "' not found");
        }
        try {
            if (!file.toRealPath().startsWith(dir.toRealPath())) {
                throw new LowbitException("tensor '" + tensor + "': external data location '" + location
                        + "' links outside the model's folder (" + file.toRealPath() + ")");
            }
        } catch (IOException e) {
            throw new LowbitException(file + ": cannot resolve external data of tensor '" + tensor + "': " + e.getMessage());
        }
        return file;
    }

    private static void readRaw(Tensor t, ByteBuffer raw, String name) {
        ByteBuffer b = raw.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        int n = t.size();
        long need = (long) n * t.dtype().byteSize();
        if (t.dtype() == DType.STRING) {
            throw new LowbitException("tensor '" + name + "': string tensors cannot use raw_data");
        }
        if (b.remaining() != need) {
            throw new LowbitException("tensor '" + name + "' has " + b.remaining() + " bytes of data, its shape and type need " + need);
        }
        switch (t.dtype()) {
            case FLOAT -> b.asFloatBuffer().get(t.floats());
            case DOUBLE -> b.asDoubleBuffer().get(t.doubles());
            case INT64, UINT64 -> b.asLongBuffer().get(t.longs());
            case INT32, UINT32 -> b.asIntBuffer().get(t.ints());
            case INT16, UINT16, FLOAT16, BFLOAT16 -> b.asShortBuffer().get(t.shorts());
            case INT8, UINT8 -> b.get(t.bytes());
            case BOOL -> {
                boolean[] v = t.bools();
                for (int i = 0; i < n; i++) {
                    v[i] = b.get() != 0;
                }
            }
            default -> throw new IllegalStateException();
        }
    }

    /** Encodes a tensor with raw_data (strings use string_data). */
    public static TensorProto toProto(String name, Tensor t) {
        TensorProto.Builder p = TensorProto.newBuilder().setName(name).setDataType(t.dtype().onnxCode());
        for (int d : t.shapeRef()) {
            p.addDims(d);
        }
        if (t.dtype() == DType.STRING) {
            for (String s : t.strings()) {
                p.addStringData(ByteString.copyFromUtf8(s));
            }
            return p.build();
        }
        p.setRawData(ByteString.copyFrom(rawBytes(t)));
        return p.build();
    }

    /** The tensor's elements as little-endian bytes, as ONNX raw_data stores them. */
    public static byte[] rawBytes(Tensor t) {
        int n = t.size();
        ByteBuffer b = ByteBuffer.allocate(n * t.dtype().byteSize()).order(ByteOrder.LITTLE_ENDIAN);
        switch (t.dtype()) {
            case FLOAT -> b.asFloatBuffer().put(t.floats());
            case DOUBLE -> b.asDoubleBuffer().put(t.doubles());
            case INT64, UINT64 -> b.asLongBuffer().put(t.longs());
            case INT32, UINT32 -> b.asIntBuffer().put(t.ints());
            case INT16, UINT16, FLOAT16, BFLOAT16 -> b.asShortBuffer().put(t.shorts());
            case INT8, UINT8 -> b.put(t.bytes());
            case BOOL -> {
                for (boolean v : t.bools()) {
                    b.put((byte) (v ? 1 : 0));
                }
            }
            default -> throw new IllegalStateException();
        }
        return b.array();
    }

    /** Reads a serialized TensorProto file (the ONNX test-data {@code input_N.pb} format). */
    public static Tensor readFile(Path file) {
        try {
            TensorProto p = TensorProto.parseFrom(Files.readAllBytes(file));
            return fromProto(p, file.getParent());
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
            throw new LowbitException(file + ": not a valid TensorProto (" + e.getMessage() + ")");
        } catch (IOException e) {
            throw new LowbitException(file + ": cannot read (" + e.getMessage() + ")");
        } catch (LowbitException e) {
            throw new LowbitException(file + ": " + e.getMessage());
        }
    }

    /** Name stored in a serialized TensorProto file, or "" if none. */
    public static String readName(Path file) {
        try {
            return TensorProto.parseFrom(Files.readAllBytes(file)).getName();
        } catch (IOException e) {
            return "";
        }
    }

    /** Writes {@code t} as a serialized TensorProto file. */
    public static byte[] serialize(String name, Tensor t) {
        return toProto(name, t).toByteArray();
    }
}
