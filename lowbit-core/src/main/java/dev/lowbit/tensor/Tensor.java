package dev.lowbit.tensor;

import java.util.Arrays;
import java.util.Objects;

/**
 * A dense, row-major tensor: an element type, a shape and one backing Java array.
 *
 * <p>Tensors are treated as immutable once handed to the executor; kernels write into fresh
 * tensors they allocate. The typed accessors ({@link #floats()}, {@link #longs()} ...) return the
 * backing array itself, without copying, so hot loops index it directly.
 */
public final class Tensor {
    private final DType dtype;
    private final int[] shape;
    private final Object data;

    private Tensor(DType dtype, int[] shape, Object data) {
        this.dtype = Objects.requireNonNull(dtype);
        this.shape = shape.clone();
        this.data = data;
        int n = Shapes.size(shape);
        if (java.lang.reflect.Array.getLength(data) != n) {
            throw new IllegalArgumentException("data length " + java.lang.reflect.Array.getLength(data)
                    + " does not match shape " + Arrays.toString(shape));
        }
    }

    /** Wraps an existing array (not copied) whose Java type must match {@code dtype}'s storage. */
    public static Tensor wrap(DType dtype, int[] shape, Object data) {
        Class<?> expected = storageClass(dtype);
        if (data.getClass() != expected) {
            throw new IllegalArgumentException(dtype + " is stored as " + expected.getSimpleName()
                    + ", got " + data.getClass().getSimpleName());
        }
        return new Tensor(dtype, shape, data);
    }

    public static Tensor of(float[] data, int... shape) {
        return new Tensor(DType.FLOAT, shape, data);
    }

    public static Tensor of(long[] data, int... shape) {
        return new Tensor(DType.INT64, shape, data);
    }

    public static Tensor of(int[] data, int... shape) {
        return new Tensor(DType.INT32, shape, data);
    }

    public static Tensor of(double[] data, int... shape) {
        return new Tensor(DType.DOUBLE, shape, data);
    }

    public static Tensor of(boolean[] data, int... shape) {
        return new Tensor(DType.BOOL, shape, data);
    }

    public static Tensor scalar(float v) {
        return new Tensor(DType.FLOAT, new int[0], new float[] {v});
    }

    public static Tensor scalar(long v) {
        return new Tensor(DType.INT64, new int[0], new long[] {v});
    }

    /** A zero-filled tensor of the given type and shape. */
    public static Tensor zeros(DType dtype, int... shape) {
        return new Tensor(dtype, shape, allocate(dtype, Shapes.size(shape)));
    }

    /** The Java array class that stores elements of {@code dtype}. */
    public static Class<?> storageClass(DType dtype) {
        return switch (dtype) {
            case FLOAT -> float[].class;
            case DOUBLE -> double[].class;
            case INT64, UINT64 -> long[].class;
            case INT32, UINT32 -> int[].class;
            case INT16, UINT16, FLOAT16, BFLOAT16 -> short[].class;
            case INT8, UINT8 -> byte[].class;
            case BOOL -> boolean[].class;
            case STRING -> String[].class;
        };
    }

    /**
     * A zeroed array of the storage type of {@code dtype}: fresh, or recycled from the
     * {@link BufferPool} an executor has open on this thread.
     */
    public static Object allocate(DType dtype, int n) {
        return switch (dtype) {
            case FLOAT -> BufferPool.zeroed(float[].class, n, float[]::new);
            case DOUBLE -> BufferPool.zeroed(double[].class, n, double[]::new);
            case INT64, UINT64 -> BufferPool.zeroed(long[].class, n, long[]::new);
            case INT32, UINT32 -> BufferPool.zeroed(int[].class, n, int[]::new);
            case INT16, UINT16, FLOAT16, BFLOAT16 -> BufferPool.zeroed(short[].class, n, short[]::new);
            case INT8, UINT8 -> BufferPool.zeroed(byte[].class, n, byte[]::new);
            case BOOL -> BufferPool.zeroed(boolean[].class, n, boolean[]::new);
            case STRING -> {
                String[] s = new String[n];
                Arrays.fill(s, "");
                yield s;
            }
        };
    }

    public DType dtype() {
        return dtype;
    }

    /** A copy of the shape. */
    public int[] shape() {
        return shape.clone();
    }

    /** The shape array itself, not to be modified: for kernels that read it in hot paths. */
    public int[] shapeRef() {
        return shape;
    }

    public int dim(int axis) {
        return shape[axis < 0 ? axis + shape.length : axis];
    }

    public int rank() {
        return shape.length;
    }

    public int size() {
        return java.lang.reflect.Array.getLength(data);
    }

    public Object data() {
        return data;
    }

    public float[] floats() {
        return (float[]) data;
    }

    public double[] doubles() {
        return (double[]) data;
    }

    public long[] longs() {
        return (long[]) data;
    }

    public int[] ints() {
        return (int[]) data;
    }

    public short[] shorts() {
        return (short[]) data;
    }

    public byte[] bytes() {
        return (byte[]) data;
    }

    public boolean[] bools() {
        return (boolean[]) data;
    }

    public String[] strings() {
        return (String[]) data;
    }

    /** Element {@code i} (flat index) as a double, whatever the type; half types are decoded. */
    public double getDouble(int i) {
        return switch (dtype) {
            case FLOAT -> ((float[]) data)[i];
            case DOUBLE -> ((double[]) data)[i];
            case FLOAT16 -> Float.float16ToFloat(((short[]) data)[i]);
            case BFLOAT16 -> Float.intBitsToFloat((((short[]) data)[i] & 0xFFFF) << 16);
            case BOOL -> ((boolean[]) data)[i] ? 1 : 0;
            case UINT64 -> {
                long v = ((long[]) data)[i];
                yield v >= 0 ? v : (double) (v >>> 1) * 2.0 + (v & 1);
            }
            case STRING -> throw new IllegalStateException("string tensor has no numeric value");
            default -> getLong(i);
        };
    }

    /** Element {@code i} as a long; unsigned types are zero-extended, floats truncated toward zero. */
    public long getLong(int i) {
        return switch (dtype) {
            case INT64, UINT64 -> ((long[]) data)[i];
            case INT32 -> ((int[]) data)[i];
            case UINT32 -> ((int[]) data)[i] & 0xFFFFFFFFL;
            case INT16 -> ((short[]) data)[i];
            case UINT16 -> ((short[]) data)[i] & 0xFFFF;
            case INT8 -> ((byte[]) data)[i];
            case UINT8 -> ((byte[]) data)[i] & 0xFF;
            case BOOL -> ((boolean[]) data)[i] ? 1 : 0;
            case STRING -> throw new IllegalStateException("string tensor has no numeric value");
            default -> (long) getDouble(i);
        };
    }

    /** Stores {@code v} at flat index {@code i}, converting to this tensor's type (C-style casts). */
    public void setDouble(int i, double v) {
        switch (dtype) {
            case FLOAT -> ((float[]) data)[i] = (float) v;
            case DOUBLE -> ((double[]) data)[i] = v;
            case FLOAT16 -> ((short[]) data)[i] = Float.floatToFloat16((float) v);
            case BFLOAT16 -> ((short[]) data)[i] = DTypes.floatToBfloat16((float) v);
            case BOOL -> ((boolean[]) data)[i] = v != 0;
            case STRING -> throw new IllegalStateException("string tensor has no numeric value");
            default -> setLong(i, (long) v);
        }
    }

    /** Stores {@code v} at flat index {@code i}, wrapping to this tensor's integer width. */
    public void setLong(int i, long v) {
        switch (dtype) {
            case INT64, UINT64 -> ((long[]) data)[i] = v;
            case INT32, UINT32 -> ((int[]) data)[i] = (int) v;
            case INT16, UINT16 -> ((short[]) data)[i] = (short) v;
            case INT8, UINT8 -> ((byte[]) data)[i] = (byte) v;
            case BOOL -> ((boolean[]) data)[i] = v != 0;
            case STRING -> throw new IllegalStateException("string tensor has no numeric value");
            default -> setDouble(i, v);
        }
    }

    /** Same data, new shape (the element count must match). Shares the backing array. */
    public Tensor reshape(int... newShape) {
        return new Tensor(dtype, newShape, data);
    }

    /** Rows {@code [from, to)} along axis 0, copied, in this tensor's element type. */
    public Tensor rows(int from, int to) {
        if (rank() < 1 || from < 0 || to > shape[0] || from > to) {
            throw new IllegalArgumentException("rows " + from + ".." + to + " of shape " + Arrays.toString(shape));
        }
        int per = shape[0] == 0 ? 0 : size() / shape[0];
        int[] s = shape.clone();
        s[0] = to - from;
        Object out = java.lang.reflect.Array.newInstance(storageClass(dtype).getComponentType(), (to - from) * per); // never pooled: data outlives runs
        System.arraycopy(data, from * per, out, 0, (to - from) * per);
        return new Tensor(dtype, s, out);
    }

    /** A deep copy. */
    public Tensor copy() {
        Object copy = switch (dtype) {
            case FLOAT -> ((float[]) data).clone();
            case DOUBLE -> ((double[]) data).clone();
            case INT64, UINT64 -> ((long[]) data).clone();
            case INT32, UINT32 -> ((int[]) data).clone();
            case INT16, UINT16, FLOAT16, BFLOAT16 -> ((short[]) data).clone();
            case INT8, UINT8 -> ((byte[]) data).clone();
            case BOOL -> ((boolean[]) data).clone();
            case STRING -> ((String[]) data).clone();
        };
        return new Tensor(dtype, shape, copy);
    }

    /** This tensor's values as a float array (a copy unless already FLOAT). */
    public float[] toFloatArray() {
        if (dtype == DType.FLOAT) {
            return (float[]) data;
        }
        float[] out = new float[size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) getDouble(i);
        }
        return out;
    }

    /** This tensor's values as longs (integer and bool types; floats truncated). */
    public long[] toLongArray() {
        if (dtype == DType.INT64) {
            return (long[]) data;
        }
        long[] out = new long[size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = getLong(i);
        }
        return out;
    }

    /** Bytes the data occupies in memory. */
    public long byteSize() {
        return (long) size() * Math.max(1, dtype.byteSize());
    }

    @Override
    public String toString() {
        return "Tensor(" + dtype.onnxName() + Arrays.toString(shape) + ")";
    }
}
