package dev.lowbit.tensor;

/**
 * Element types of tensors, numbered as ONNX's {@code TensorProto.DataType}.
 *
 * <p>Storage is one Java array per tensor: FLOAT {@code float[]}, DOUBLE {@code double[]},
 * INT64/UINT64 {@code long[]}, INT32/UINT32 {@code int[]}, INT16/UINT16/FLOAT16/BFLOAT16
 * {@code short[]} (half types as raw bits), INT8/UINT8 {@code byte[]}, BOOL {@code boolean[]},
 * STRING {@code String[]}. Unsigned types keep their bits; {@link Tensor#getLong} widens them.
 */
public enum DType {
    FLOAT(1, 4), UINT8(2, 1), INT8(3, 1), UINT16(4, 2), INT16(5, 2), INT32(6, 4), INT64(7, 8),
    STRING(8, 0), BOOL(9, 1), FLOAT16(10, 2), DOUBLE(11, 8), UINT32(12, 4), UINT64(13, 8),
    BFLOAT16(16, 2);

    private final int onnxCode;
    private final int byteSize;

    DType(int onnxCode, int byteSize) {
        this.onnxCode = onnxCode;
        this.byteSize = byteSize;
    }

    /** The ONNX {@code TensorProto.DataType} number. */
    public int onnxCode() {
        return onnxCode;
    }

    /** Bytes per element in ONNX raw_data (0 for strings). */
    public int byteSize() {
        return byteSize;
    }

    public boolean isFloatingPoint() {
        return this == FLOAT || this == DOUBLE || this == FLOAT16 || this == BFLOAT16;
    }

    public boolean isInteger() {
        return switch (this) {
            case UINT8, INT8, UINT16, INT16, INT32, INT64, UINT32, UINT64 -> true;
            default -> false;
        };
    }

    public boolean isUnsigned() {
        return this == UINT8 || this == UINT16 || this == UINT32 || this == UINT64;
    }

    /** Smallest representable integer value (integer types only). */
    public long minValue() {
        return switch (this) {
            case UINT8, UINT16, UINT32, UINT64, BOOL -> 0;
            case INT8 -> Byte.MIN_VALUE;
            case INT16 -> Short.MIN_VALUE;
            case INT32 -> Integer.MIN_VALUE;
            case INT64 -> Long.MIN_VALUE;
            default -> throw new IllegalStateException(this + " is not an integer type");
        };
    }

    /** Largest representable integer value (integer types only; UINT64 reports Long.MAX_VALUE). */
    public long maxValue() {
        return switch (this) {
            case UINT8 -> 255;
            case UINT16 -> 65535;
            case UINT32 -> 0xFFFFFFFFL;
            case UINT64, INT64 -> Long.MAX_VALUE;
            case INT8 -> Byte.MAX_VALUE;
            case INT16 -> Short.MAX_VALUE;
            case INT32 -> Integer.MAX_VALUE;
            case BOOL -> 1;
            default -> throw new IllegalStateException(this + " is not an integer type");
        };
    }

    public static DType fromOnnx(int code) {
        for (DType t : values()) {
            if (t.onnxCode == code) {
                return t;
            }
        }
        throw new IllegalArgumentException("unsupported ONNX data type " + code);
    }

    /** Lower-case ONNX-style name, e.g. {@code float}, {@code int8}. */
    public String onnxName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
