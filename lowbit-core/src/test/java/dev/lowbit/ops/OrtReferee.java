package dev.lowbit.ops;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import dev.lowbit.exec.Executor;
import dev.lowbit.onnx.Attribute;
import dev.lowbit.onnx.Graph;
import dev.lowbit.onnx.Model;
import dev.lowbit.onnx.ModelIO;
import dev.lowbit.onnx.Node;
import dev.lowbit.onnx.ValueInfo;
import dev.lowbit.tensor.DType;
import dev.lowbit.tensor.Tensor;
import java.nio.ByteBuffer;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.nio.ShortBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Runs one node in lowbit and in ONNX Runtime and asserts the outputs are identical, bit for bit.
 * Input 0 is fed at run time, the others are initializers (as in real quantized models); a null
 * input is an absent optional input.
 */
final class OrtReferee {
    private static final OrtEnvironment ENV = OrtEnvironment.getEnvironment();

    private final String domain;
    private final String opType;
    private final int opset;
    private final List<Attribute> attributes = new ArrayList<>();
    private final List<Tensor> inputs = new ArrayList<>();
    private final List<DType> outputTypes = new ArrayList<>();

    OrtReferee(String opType, int opset) {
        this("", opType, opset);
    }

    /** An op of {@code domain} (e.g. com.microsoft, version 1) in a model importing ONNX opset 13 beside it. */
    OrtReferee(String domain, String opType, int opset) {
        this.domain = domain;
        this.opType = opType;
        this.opset = opset;
    }

    OrtReferee attr(Attribute a) {
        attributes.add(a);
        return this;
    }

    OrtReferee inputs(Tensor... ts) {
        inputs.addAll(Arrays.asList(ts));
        return this;
    }

    /** Replaces input {@code i} (set by {@link #inputs}). */
    OrtReferee replaceInput(int i, Tensor t) {
        inputs.set(i, t);
        return this;
    }

    OrtReferee outputs(DType... types) {
        outputTypes.addAll(Arrays.asList(types));
        return this;
    }

    /** Runs both engines, asserts equality and returns lowbit's outputs. */
    Tensor[] assertSame() {
        Graph g = new Graph("referee");
        List<String> in = new ArrayList<>();
        Map<String, Tensor> feeds = new HashMap<>();
        for (int i = 0; i < inputs.size(); i++) {
            Tensor t = inputs.get(i);
            if (t == null) {
                in.add("");
                continue;
            }
            String name = "in" + i;
            in.add(name);
            if (i == 0) {
                g.inputs().add(ValueInfo.of(name, t.dtype(), t.shapeRef()));
                feeds.put(name, t);
            } else {
                g.setInitializer(name, t);
            }
        }
        while (!in.isEmpty() && in.get(in.size() - 1).isEmpty()) {
            in.remove(in.size() - 1);
        }
        List<String> out = new ArrayList<>();
        for (int i = 0; i < outputTypes.size(); i++) {
            out.add("out" + i);
            g.outputs().add(new ValueInfo("out" + i, outputTypes.get(i), null));
        }
        Node n = new Node(opType, domain, "n", in, out);
        attributes.forEach(n::set);
        g.addNode(n);
        Model m = new Model(g);
        m.opsets().put("", domain.isEmpty() ? (long) opset : 13L);
        if (!domain.isEmpty()) {
            m.opsets().put(domain, (long) opset);
        }
        m.setIrVersion(opset >= 21 && domain.isEmpty() ? 10 : 8);

        Map<String, Tensor> ours = new Executor(m).run(feeds);
        Tensor[] result = new Tensor[out.size()];
        try (OrtSession s = ENV.createSession(ModelIO.toProto(m).toByteArray(), new OrtSession.SessionOptions())) {
            Map<String, OnnxTensor> ortFeeds = new HashMap<>();
            for (var e : feeds.entrySet()) {
                ortFeeds.put(e.getKey(), toOrt(e.getValue()));
            }
            try (OrtSession.Result r = s.run(ortFeeds)) {
                for (int i = 0; i < out.size(); i++) {
                    Tensor mine = ours.get(out.get(i));
                    OnnxTensor theirs = (OnnxTensor) r.get(i);
                    assertEqualTensors(theirs, mine, opType + " output " + i);
                    result[i] = mine;
                }
            } finally {
                ortFeeds.values().forEach(OnnxTensor::close);
            }
        } catch (OrtException e) {
            throw new AssertionError("ONNX Runtime failed: " + e.getMessage(), e);
        }
        return result;
    }

    private static OnnxTensor toOrt(Tensor t) throws OrtException {
        long[] shape = Arrays.stream(t.shapeRef()).asLongStream().toArray();
        return switch (t.dtype()) {
            case FLOAT -> OnnxTensor.createTensor(ENV, FloatBuffer.wrap(t.floats()), shape);
            case INT32 -> OnnxTensor.createTensor(ENV, IntBuffer.wrap(t.ints()), shape);
            case UINT8 -> OnnxTensor.createTensor(ENV, ByteBuffer.wrap(t.bytes()), shape, OnnxJavaType.UINT8);
            case INT8 -> OnnxTensor.createTensor(ENV, ByteBuffer.wrap(t.bytes()), shape, OnnxJavaType.INT8);
            case INT16 -> OnnxTensor.createTensor(ENV, ShortBuffer.wrap(t.shorts()), shape, OnnxJavaType.INT16);
            default -> throw new IllegalArgumentException("referee cannot feed " + t.dtype());
        };
    }

    private static void assertEqualTensors(OnnxTensor theirs, Tensor mine, String what) {
        TensorInfo info = theirs.getInfo();
        int[] shape = Arrays.stream(info.getShape()).mapToInt(Math::toIntExact).toArray();
        assertArrayEquals(shape, mine.shapeRef(), what + " shape");
        switch (mine.dtype()) {
            case FLOAT -> {
                float[] f = new float[mine.size()];
                theirs.getFloatBuffer().get(f);
                assertArrayEquals(f, mine.floats(), 0f, what);
            }
            case INT32 -> {
                int[] v = new int[mine.size()];
                theirs.getIntBuffer().get(v);
                assertArrayEquals(v, mine.ints(), what);
            }
            case UINT8, INT8 -> {
                assertEquals(mine.dtype() == DType.UINT8 ? OnnxJavaType.UINT8 : OnnxJavaType.INT8, info.type, what + " type");
                byte[] v = new byte[mine.size()];
                theirs.getByteBuffer().get(v);
                assertArrayEquals(v, mine.bytes(), what);
            }
            case INT16, UINT16 -> {
                short[] v = new short[mine.size()];
                theirs.getShortBuffer().get(v);
                assertArrayEquals(v, mine.shorts(), what);
            }
            default -> throw new IllegalArgumentException("referee cannot compare " + mine.dtype());
        }
    }

    // ---- seeded random tensors ----

    static Tensor randomFloats(Random r, float lo, float hi, int... shape) {
        Tensor t = Tensor.zeros(DType.FLOAT, shape);
        float[] f = t.floats();
        for (int i = 0; i < f.length; i++) {
            f[i] = lo + r.nextFloat() * (hi - lo);
        }
        return t;
    }

    /** Random 8-bit tensor with values in [lo, hi] (as integers of {@code type}). */
    static Tensor random8(Random r, DType type, int lo, int hi, int... shape) {
        Tensor t = Tensor.zeros(type, shape);
        byte[] b = t.bytes();
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) (lo + r.nextInt(hi - lo + 1));
        }
        return t;
    }

    static Tensor scalar8(DType type, int v) {
        Tensor t = Tensor.zeros(type);
        t.bytes()[0] = (byte) v;
        return t;
    }

    static Tensor vector8(DType type, int... v) {
        Tensor t = Tensor.zeros(type, v.length);
        for (int i = 0; i < v.length; i++) {
            t.bytes()[i] = (byte) v[i];
        }
        return t;
    }
}
