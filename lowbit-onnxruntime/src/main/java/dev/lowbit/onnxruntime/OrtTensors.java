package dev.lowbit.onnxruntime;

import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.TensorInfo;
import dev.lowbit.LowbitException;
import dev.lowbit.tensor.DType;
import dev.lowbit.tensor.Tensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Copies between lowbit {@link Tensor}s and ONNX Runtime {@link OnnxTensor}s. Data goes through
 * direct native-order buffers, which ONNX Runtime reads without a further copy.
 *
 * <p>Supported element types: float, double, int8, uint8, int16, int32, int64, bool and float16
 * both ways; outputs may also be uint16, uint32, uint64 and bfloat16 (the Java API of ONNX
 * Runtime cannot create input tensors of those).
 */
public final class OrtTensors {
    private OrtTensors() {
    }

    /** A new ONNX Runtime tensor holding a copy of {@code t}; the caller closes it. */
    public static OnnxTensor toOrt(OrtEnvironment env, Tensor t) {
        OnnxJavaType type = switch (t.dtype()) {
            case FLOAT -> OnnxJavaType.FLOAT;
            case DOUBLE -> OnnxJavaType.DOUBLE;
            case INT8 -> OnnxJavaType.INT8;
            case UINT8 -> OnnxJavaType.UINT8;
            case INT16 -> OnnxJavaType.INT16;
            case INT32 -> OnnxJavaType.INT32;
            case INT64 -> OnnxJavaType.INT64;
            case BOOL -> OnnxJavaType.BOOL;
            case FLOAT16 -> OnnxJavaType.FLOAT16;
            default -> throw new LowbitException("onnxruntime engine: cannot pass a " + t.dtype().onnxName()
                    + " input through ONNX Runtime's Java API");
        };
        int n = t.size();
        ByteBuffer b = ByteBuffer.allocateDirect(n * t.dtype().byteSize()).order(ByteOrder.nativeOrder());
        switch (t.dtype()) {
            case FLOAT -> b.asFloatBuffer().put(t.floats());
            case DOUBLE -> b.asDoubleBuffer().put(t.doubles());
            case INT64 -> b.asLongBuffer().put(t.longs());
            case INT32 -> b.asIntBuffer().put(t.ints());
            case INT16, FLOAT16 -> b.asShortBuffer().put(t.shorts());
            case INT8, UINT8 -> b.put(t.bytes()).rewind();
            case BOOL -> {
                for (boolean v : t.bools()) {
                    b.put((byte) (v ? 1 : 0));
                }
                b.rewind();
            }
            default -> throw new IllegalStateException("unreachable: " + t.dtype());
        }
        long[] shape = new long[t.rank()];
        for (int i = 0; i < shape.length; i++) {
            shape[i] = t.dim(i);
        }
        try {
            return OnnxTensor.createTensor(env, b, shape, type);
        } catch (OrtException e) {
            throw new LowbitException("onnxruntime engine: cannot create a " + t + " input: " + OnnxRuntimeEngine.firstLine(e));
        }
    }

    /** A lowbit tensor holding a copy of an ONNX Runtime tensor's data. */
    public static Tensor fromOrt(OnnxTensor o) {
        TensorInfo info = o.getInfo();
        DType dtype = dtypeOf(info.onnxType);
        if (dtype == null) {
            throw new LowbitException("onnxruntime engine: output element type " + info.onnxType + " is not supported by lowbit");
        }
        if (dtype == DType.STRING) {
            throw new LowbitException("onnxruntime engine: string outputs are not supported");
        }
        long[] dims = info.getShape();
        int[] shape = new int[dims.length];
        for (int i = 0; i < dims.length; i++) {
            shape[i] = Math.toIntExact(dims[i]);
        }
        Tensor t = Tensor.zeros(dtype, shape);
        // getByteBuffer copies the raw element bytes whatever the type; decode them ourselves.
        ByteBuffer b = o.getByteBuffer().order(ByteOrder.nativeOrder());
        switch (dtype) {
            case FLOAT -> b.asFloatBuffer().get(t.floats());
            case DOUBLE -> b.asDoubleBuffer().get(t.doubles());
            case INT64, UINT64 -> b.asLongBuffer().get(t.longs());
            case INT32, UINT32 -> b.asIntBuffer().get(t.ints());
            case INT16, UINT16, FLOAT16, BFLOAT16 -> b.asShortBuffer().get(t.shorts());
            case INT8, UINT8 -> b.get(t.bytes());
            case BOOL -> {
                boolean[] v = t.bools();
                for (int i = 0; i < v.length; i++) {
                    v[i] = b.get() != 0;
                }
            }
            default -> throw new IllegalStateException("unreachable: " + dtype);
        }
        return t;
    }

    /**
     * The lowbit type of an ONNX Runtime element type, or null if lowbit has none. (ONNX Runtime
     * numbers its enum differently from ONNX's TensorProto, so map by name, not by number.)
     */
    public static DType dtypeOf(TensorInfo.OnnxTensorType t) {
        return switch (t) {
            case ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT -> DType.FLOAT;
            case ONNX_TENSOR_ELEMENT_DATA_TYPE_DOUBLE -> DType.DOUBLE;
            case ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT16 -> DType.FLOAT16;
            case ONNX_TENSOR_ELEMENT_DATA_TYPE_BFLOAT16 -> DType.BFLOAT16;
            case ONNX_TENSOR_ELEMENT_DATA_TYPE_INT8 -> DType.INT8;
            case ONNX_TENSOR_ELEMENT_DATA_TYPE_UINT8 -> DType.UINT8;
            case ONNX_TENSOR_ELEMENT_DATA_TYPE_INT16 -> DType.INT16;
            case ONNX_TENSOR_ELEMENT_DATA_TYPE_UINT16 -> DType.UINT16;
            case ONNX_TENSOR_ELEMENT_DATA_TYPE_INT32 -> DType.INT32;
            case ONNX_TENSOR_ELEMENT_DATA_TYPE_UINT32 -> DType.UINT32;
            case ONNX_TENSOR_ELEMENT_DATA_TYPE_INT64 -> DType.INT64;
            case ONNX_TENSOR_ELEMENT_DATA_TYPE_UINT64 -> DType.UINT64;
            case ONNX_TENSOR_ELEMENT_DATA_TYPE_BOOL -> DType.BOOL;
            case ONNX_TENSOR_ELEMENT_DATA_TYPE_STRING -> DType.STRING;
            default -> null;
        };
    }
}
