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
            shape[i] = Math.toIntExact(p.getDims(i));
        }
        int n = Shapes.size(shape);
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
                case "offset" -> offset = Long.parseLong(e.getValue());
                case "length" -> length = Long.parseLong(e.getValue());
                default -> { }
            }
        }
        if (location == null) {
            throw new LowbitException("tensor '" + p.getName() + "': external data without a location");
        }
        Path file = (baseDir == null ? Path.of(".") : baseDir).resolve(location).normalize();
        if (!Files.isRegularFile(file)) {
            throw new LowbitException(file + ": external data file of tensor '" + p.getName() + "' not found");
        }
        if (length < 0) {
            length = expected;
        }
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "r")) {
            if (offset + length > raf.length()) {
                throw new LowbitException(file + ": too short for tensor '" + p.getName() + "' (needs "
                        + (offset + length) + " bytes, has " + raf.length() + ")");
            }
            byte[] buf = new byte[Math.toIntExact(length)];
            raf.seek(offset);
            raf.readFully(buf);
            return ByteBuffer.wrap(buf);
        } catch (IOException e) {
            throw new LowbitException(file + ": cannot read external data: " + e.getMessage());
        }
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
