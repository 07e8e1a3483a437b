package dev.lowbit.testutil;

import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import dev.lowbit.tensor.DType;
import dev.lowbit.tensor.Tensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.nio.LongBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Test-only bridge to ONNX Runtime, the referee lowbit's engine is compared against: runs a model
 * (bytes or file) on lowbit {@link Tensor}s and returns lowbit tensors.
 *
 * <p>Sessions use basic graph optimisations only (constant folding, redundant-node removal, which
 * are exact) so ORT's fused kernels do not blur the comparison, except {@link #openOptimized}
 * (all optimisations, for QDQ models). Open one with {@link #open} to run many batches; the static
 * {@code run} methods are one-shot.
 */
public final class Ort implements AutoCloseable {
    private final OrtEnvironment env = OrtEnvironment.getEnvironment();
    private final OrtSession session;

    private Ort(byte[] model) {
        this(model, OrtSession.SessionOptions.OptLevel.BASIC_OPT, 2);
    }

    private Ort(byte[] model, OrtSession.SessionOptions.OptLevel level, int threads) {
        try (OrtSession.SessionOptions opts = new OrtSession.SessionOptions()) {
            opts.setOptimizationLevel(level);
            opts.setIntraOpNumThreads(threads);
            opts.setInterOpNumThreads(1);
            session = env.createSession(model, opts);
        } catch (OrtException e) {
            throw new IllegalStateException("onnxruntime cannot load the model: " + e.getMessage(), e);
        }
    }

    public static Ort open(byte[] model) {
        return new Ort(model);
    }

    /**
     * A session with every graph optimisation, as deployments run (and lowbit's onnxruntime engine):
     * QDQ node units fused into ORT's integer ops. The referee for lowbit's QDQ execution.
     */
    public static Ort openOptimized(byte[] model, int threads) {
        return new Ort(model, OrtSession.SessionOptions.OptLevel.ALL_OPT, threads);
    }

    public static Ort open(Path model) {
        try {
            return new Ort(Files.readAllBytes(model));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** One-shot run of a serialized model. */
    public static Map<String, Tensor> run(byte[] model, Map<String, Tensor> inputs) {
        try (Ort ort = open(model)) {
            return ort.run(inputs);
        }
    }

    /** One-shot run of a model file. */
    public static Map<String, Tensor> run(Path model, Map<String, Tensor> inputs) {
        try (Ort ort = open(model)) {
            return ort.run(inputs);
        }
    }

    /** The model's input names, in declaration order. */
    public List<String> inputNames() {
        return new ArrayList<>(session.getInputNames());
    }

    /** Runs the session; returns every graph output by name, in the model's output order. */
    public Map<String, Tensor> run(Map<String, Tensor> inputs) {
        Map<String, OnnxTensor> feeds = new LinkedHashMap<>();
        try {
            for (Map.Entry<String, Tensor> e : inputs.entrySet()) {
                feeds.put(e.getKey(), toOrt(env, e.getValue()));
            }
            Map<String, Tensor> out = new LinkedHashMap<>();
            try (OrtSession.Result result = session.run(feeds)) {
                for (Map.Entry<String, OnnxValue> e : result) {
                    if (!(e.getValue() instanceof OnnxTensor t)) {
                        throw new IllegalStateException("output '" + e.getKey() + "' is not a tensor");
                    }
                    out.put(e.getKey(), fromOrt(t));
                }
            }
            return out;
        } catch (OrtException e) {
            throw new IllegalStateException("onnxruntime failed: " + e.getMessage(), e);
        } finally {
            feeds.values().forEach(OnnxTensor::close);
        }
    }

    @Override
    public void close() {
        try {
            session.close();
        } catch (OrtException e) {
            throw new IllegalStateException(e);
        }
    }

    static OnnxTensor toOrt(OrtEnvironment env, Tensor t) throws OrtException {
        long[] shape = java.util.Arrays.stream(t.shapeRef()).asLongStream().toArray();
        return switch (t.dtype()) {
            case FLOAT -> OnnxTensor.createTensor(env, FloatBuffer.wrap(t.floats()), shape);
            case DOUBLE -> OnnxTensor.createTensor(env, DoubleBuffer.wrap(t.doubles()), shape);
            case INT64 -> OnnxTensor.createTensor(env, LongBuffer.wrap(t.longs()), shape);
            case INT32 -> OnnxTensor.createTensor(env, IntBuffer.wrap(t.ints()), shape);
            case INT8 -> OnnxTensor.createTensor(env, ByteBuffer.wrap(t.bytes()), shape, OnnxJavaType.INT8);
            case UINT8 -> OnnxTensor.createTensor(env, ByteBuffer.wrap(t.bytes()), shape, OnnxJavaType.UINT8);
            case BOOL -> {
                ByteBuffer b = ByteBuffer.allocate(t.size());
                for (boolean v : t.bools()) {
                    b.put((byte) (v ? 1 : 0));
                }
                yield OnnxTensor.createTensor(env, b.flip(), shape, OnnxJavaType.BOOL);
            }
            default -> throw new IllegalArgumentException("Ort helper does not convert " + t.dtype() + " inputs");
        };
    }

    static Tensor fromOrt(OnnxTensor t) {
        TensorInfo info = t.getInfo();
        int[] shape = java.util.Arrays.stream(info.getShape()).mapToInt(Math::toIntExact).toArray();
        int n = Math.toIntExact(info.getNumElements());
        return switch (info.type) {
            case FLOAT -> {
                float[] a = new float[n];
                t.getFloatBuffer().get(a);
                yield Tensor.of(a, shape);
            }
            case DOUBLE -> {
                double[] a = new double[n];
                t.getDoubleBuffer().get(a);
                yield Tensor.of(a, shape);
            }
            case INT64 -> {
                long[] a = new long[n];
                t.getLongBuffer().get(a);
                yield Tensor.of(a, shape);
            }
            case INT32 -> {
                int[] a = new int[n];
                t.getIntBuffer().get(a);
                yield Tensor.of(a, shape);
            }
            case INT8, UINT8 -> {
                byte[] a = new byte[n];
                t.getByteBuffer().order(ByteOrder.nativeOrder()).get(a);
                yield Tensor.wrap(info.type == OnnxJavaType.INT8 ? DType.INT8 : DType.UINT8, shape, a);
            }
            case BOOL -> {
                ByteBuffer b = t.getByteBuffer();
                boolean[] a = new boolean[n];
                for (int i = 0; i < n; i++) {
                    a[i] = b.get(i) != 0;
                }
                yield Tensor.of(a, shape);
            }
            default -> throw new IllegalArgumentException("Ort helper does not convert " + info.type + " outputs");
        };
    }
}
