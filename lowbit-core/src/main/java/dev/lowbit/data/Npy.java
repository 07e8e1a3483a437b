package dev.lowbit.data;

import dev.lowbit.LowbitException;
import dev.lowbit.tensor.DType;
import dev.lowbit.tensor.Shapes;
import dev.lowbit.tensor.Tensor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * NumPy's {@code .npy} format: a magic string, a version, a Python-dict header
 * ({@code descr}, {@code fortran_order}, {@code shape}) and the raw elements in C order.
 *
 * <p>Reads header versions 1.0, 2.0 and 3.0, little- and big-endian data of the types
 * {@code f2 f4 f8 i1 u1 i2 u2 i4 u4 i8 u8 b1}. Writes version 1.0 (2.0 when the header is too
 * long), little-endian. Fortran-ordered arrays are refused with a clear message rather than
 * silently transposed.
 */
public final class Npy {
    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    private static final Pattern DESCR = Pattern.compile("['\"]descr['\"]\\s*:\\s*['\"]([^'\"]*)['\"]");
    private static final Pattern FORTRAN = Pattern.compile("['\"]fortran_order['\"]\\s*:\\s*(True|False)");
    private static final Pattern SHAPE = Pattern.compile("['\"]shape['\"]\\s*:\\s*\\(([^)]*)\\)");

    private Npy() {
    }

    /** The decoded header: element type, byte order, shape and where the data starts. */
    public record Header(DType dtype, ByteOrder order, int[] shape, int dataOffset) {
    }

    /** Reads a {@code .npy} file; any problem is a one-line {@link LowbitException} naming the file. */
    public static Tensor read(Path file) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (java.nio.file.NoSuchFileException e) {
            throw new LowbitException(file + ": no such file");
        } catch (IOException e) {
            throw new LowbitException(file + ": cannot read (" + e.getMessage() + ")");
        }
        return parse(bytes, file.toString());
    }

    /** Decodes {@code .npy} bytes; {@code source} names them in error messages. */
    public static Tensor parse(byte[] bytes, String source) {
        Header h = parseHeader(bytes, source);
        int n = Shapes.size(h.shape());
        long need = (long) n * h.dtype().byteSize();
        long have = bytes.length - (long) h.dataOffset();
        if (have < need) {
            throw new LowbitException(source + ": truncated file: shape " + shapeText(h.shape()) + " of "
                    + h.dtype().onnxName() + " needs " + need + " data bytes, found " + have);
        }
        if (have > need) {
            throw new LowbitException(source + ": size mismatch: shape " + shapeText(h.shape()) + " of "
                    + h.dtype().onnxName() + " needs " + need + " data bytes, found " + have);
        }
        ByteBuffer b = ByteBuffer.wrap(bytes, h.dataOffset(), (int) need).slice().order(h.order());
        Tensor t = Tensor.zeros(h.dtype(), h.shape());
        switch (h.dtype()) {
            case FLOAT -> b.asFloatBuffer().get(t.floats());
            case DOUBLE -> b.asDoubleBuffer().get(t.doubles());
            case INT64, UINT64 -> b.asLongBuffer().get(t.longs());
            case INT32, UINT32 -> b.asIntBuffer().get(t.ints());
            case INT16, UINT16, FLOAT16 -> b.asShortBuffer().get(t.shorts());
            case INT8, UINT8 -> b.get(t.bytes());
            case BOOL -> {
                boolean[] v = t.bools();
                for (int i = 0; i < n; i++) {
                    v[i] = b.get() != 0;
                }
            }
            default -> throw new IllegalStateException("unreachable: " + h.dtype());
        }
        return t;
    }

    /** Parses and validates the header of {@code .npy} bytes. */
    public static Header parseHeader(byte[] bytes, String source) {
        if (bytes.length < 10) {
            throw new LowbitException(source + ": truncated file: " + bytes.length + " bytes is too short for a .npy header");
        }
        for (int i = 0; i < MAGIC.length; i++) {
            if (bytes[i] != MAGIC[i]) {
                throw new LowbitException(source + ": bad header: not a .npy file (no \\x93NUMPY magic)");
            }
        }
        int major = bytes[6] & 0xFF;
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        long headerLen;
        int start;
        switch (major) {
            case 1 -> {
                headerLen = b.getShort(8) & 0xFFFF;
                start = 10;
            }
            case 2, 3 -> {
                if (bytes.length < 12) {
                    throw new LowbitException(source + ": truncated file: too short for a .npy v" + major + " header");
                }
                headerLen = b.getInt(8) & 0xFFFFFFFFL;
                start = 12;
            }
            default -> throw new LowbitException(source + ": bad header: unsupported .npy version " + major + "." + (bytes[7] & 0xFF));
        }
        if (start + headerLen > bytes.length) {
            throw new LowbitException(source + ": truncated file: header needs " + headerLen + " bytes, file has "
                    + (bytes.length - start) + " after the preamble");
        }
        String header = new String(bytes, start, (int) headerLen,
                major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1).strip();
        if (!header.startsWith("{") || !header.endsWith("}")) {
            throw new LowbitException(source + ": bad header: expected a Python dict, got '" + oneLine(header) + "'");
        }
        Matcher descr = DESCR.matcher(header);
        Matcher fortran = FORTRAN.matcher(header);
        Matcher shape = SHAPE.matcher(header);
        if (!descr.find() || !fortran.find() || !shape.find()) {
            throw new LowbitException(source + ": bad header: needs 'descr', 'fortran_order' and 'shape', got '"
                    + oneLine(header) + "'");
        }
        if (fortran.group(1).equals("True")) {
            throw new LowbitException(source + ": Fortran-ordered array not supported; save it in C order "
                    + "(numpy.ascontiguousarray) before passing it to lowbit");
        }
        String d = descr.group(1);
        ByteOrder order = byteOrder(d, source);
        DType dtype = dtype(d, source);
        if (d.charAt(0) == '|' && dtype.byteSize() > 1) {
            throw new LowbitException(source + ": bad header: dtype '" + d + "' needs a byte order");
        }
        return new Header(dtype, order, parseShape(shape.group(1), source), Math.toIntExact(start + headerLen));
    }

    private static ByteOrder byteOrder(String d, String source) {
        if (d.length() < 3) {
            throw new LowbitException(source + ": unsupported dtype '" + d + "'");
        }
        return switch (d.charAt(0)) {
            case '<', '|', '=' -> ByteOrder.LITTLE_ENDIAN; // '=' is the writer's native order, little on every platform numpy ships for
            case '>' -> ByteOrder.BIG_ENDIAN;
            default -> throw new LowbitException(source + ": unsupported dtype '" + d + "' (no byte-order mark)");
        };
    }

    private static DType dtype(String d, String source) {
        return switch (d.substring(1)) {
            case "f2" -> DType.FLOAT16;
            case "f4" -> DType.FLOAT;
            case "f8" -> DType.DOUBLE;
            case "i1" -> DType.INT8;
            case "u1" -> DType.UINT8;
            case "i2" -> DType.INT16;
            case "u2" -> DType.UINT16;
            case "i4" -> DType.INT32;
            case "u4" -> DType.UINT32;
            case "i8" -> DType.INT64;
            case "u8" -> DType.UINT64;
            case "b1" -> DType.BOOL;
            default -> throw new LowbitException(source + ": unsupported dtype '" + d
                    + "' (lowbit reads f2 f4 f8 i1 u1 i2 u2 i4 u4 i8 u8 b1)");
        };
    }

    private static int[] parseShape(String text, String source) {
        List<Integer> dims = new ArrayList<>();
        for (String part : text.split(",")) {
            String p = part.strip();
            if (p.isEmpty()) {
                continue;
            }
            if (p.endsWith("L")) {
                p = p.substring(0, p.length() - 1); // Python 2 longs
            }
            try {
                int v = Integer.parseInt(p);
                if (v < 0) {
                    throw new NumberFormatException();
                }
                dims.add(v);
            } catch (NumberFormatException e) {
                throw new LowbitException(source + ": bad header: shape (" + text.strip() + ") has an invalid dimension '" + p + "'");
            }
        }
        int[] shape = dims.stream().mapToInt(Integer::intValue).toArray();
        try {
            Shapes.size(shape);
        } catch (IllegalArgumentException e) {
            throw new LowbitException(source + ": bad header: shape " + shapeText(shape) + " is too large");
        }
        return shape;
    }

    /** The {@code descr} lowbit writes for {@code dtype}; throws for types .npy cannot hold. */
    public static String descr(DType dtype) {
        return switch (dtype) {
            case FLOAT16 -> "<f2";
            case FLOAT -> "<f4";
            case DOUBLE -> "<f8";
            case INT8 -> "|i1";
            case UINT8 -> "|u1";
            case INT16 -> "<i2";
            case UINT16 -> "<u2";
            case INT32 -> "<i4";
            case UINT32 -> "<u4";
            case INT64 -> "<i8";
            case UINT64 -> "<u8";
            case BOOL -> "|b1";
            case BFLOAT16, STRING -> throw new LowbitException(dtype.onnxName() + " tensors cannot be stored as .npy");
        };
    }

    /** Encodes a tensor as {@code .npy} bytes (little-endian, C order). */
    public static byte[] toBytes(Tensor t) {
        String dict = "{'descr': '" + descr(t.dtype()) + "', 'fortran_order': False, 'shape': "
                + pythonTuple(t.shapeRef()) + ", }";
        int version = dict.length() + 11 > 65535 ? 2 : 1;
        int preamble = version == 1 ? 10 : 12;
        // Pad with spaces so the data starts on a 64-byte boundary; the header ends with '\n'.
        int total = preamble + dict.length() + 1;
        int padded = (total + 63) / 64 * 64;
        String header = dict + " ".repeat(padded - total) + "\n";
        long dataBytes = (long) t.size() * t.dtype().byteSize();
        ByteBuffer b = ByteBuffer.allocate(Math.toIntExact(padded + dataBytes)).order(ByteOrder.LITTLE_ENDIAN);
        b.put(MAGIC).put((byte) version).put((byte) 0);
        if (version == 1) {
            b.putShort((short) header.length());
        } else {
            b.putInt(header.length());
        }
        b.put(header.getBytes(StandardCharsets.ISO_8859_1));
        ByteBuffer data = b.slice().order(ByteOrder.LITTLE_ENDIAN);
        switch (t.dtype()) {
            case FLOAT -> data.asFloatBuffer().put(t.floats());
            case DOUBLE -> data.asDoubleBuffer().put(t.doubles());
            case INT64, UINT64 -> data.asLongBuffer().put(t.longs());
            case INT32, UINT32 -> data.asIntBuffer().put(t.ints());
            case INT16, UINT16, FLOAT16 -> data.asShortBuffer().put(t.shorts());
            case INT8, UINT8 -> data.put(t.bytes());
            case BOOL -> {
                for (boolean v : t.bools()) {
                    data.put((byte) (v ? 1 : 0));
                }
            }
            default -> throw new IllegalStateException("unreachable: " + t.dtype());
        }
        return b.array();
    }

    /** Writes {@code t} to {@code file} atomically (a crash never leaves a partial file). */
    public static void write(Path file, Tensor t) {
        byte[] bytes = toBytes(t);
        dev.lowbit.onnx.ModelIO.writeAtomically(file, out -> out.write(bytes));
    }

    /** {@code (2, 3)}, {@code (3,)} or {@code ()} as Python writes tuples. */
    static String pythonTuple(int[] shape) {
        if (shape.length == 1) {
            return "(" + shape[0] + ",)";
        }
        StringBuilder sb = new StringBuilder("(");
        for (int i = 0; i < shape.length; i++) {
            sb.append(i == 0 ? "" : ", ").append(shape[i]);
        }
        return sb.append(')').toString();
    }

    private static String shapeText(int[] shape) {
        return pythonTuple(shape);
    }

    private static String oneLine(String s) {
        String t = s.replaceAll("\\s+", " ");
        return t.length() > 120 ? t.substring(0, 120) + "..." : t;
    }
}
