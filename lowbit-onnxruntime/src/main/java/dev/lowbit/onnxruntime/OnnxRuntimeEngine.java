package dev.lowbit.onnxruntime;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtLoggingLevel;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import dev.lowbit.LowbitException;
import dev.lowbit.engine.Engine;
import dev.lowbit.onnx.Model;
import dev.lowbit.onnx.ModelIO;
import dev.lowbit.onnx.ValueInfo;
import dev.lowbit.tensor.DType;
import dev.lowbit.tensor.Tensor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * ONNX Runtime (CPU) behind the {@link Engine} interface: the reference lowbit is compared and
 * benchmarked against. Build one with {@link #builder()}:
 *
 * <pre>{@code
 * try (Engine ort = OnnxRuntimeEngine.builder().threads(2).build(Path.of("model.onnx"))) {
 *     Map<String, Tensor> out = ort.run(Map.of("x", x));
 * }
 * }</pre>
 *
 * Input and output declarations come from the session, so they match what ONNX Runtime checks.
 */
public final class OnnxRuntimeEngine implements Engine {
    private final OrtEnvironment env;
    private final OrtSession session;
    private final List<ValueInfo> inputs;
    private final List<ValueInfo> outputs;

    private OnnxRuntimeEngine(OrtEnvironment env, OrtSession session) throws OrtException {
        this.env = env;
        this.session = session;
        this.inputs = declarations(session.getInputInfo());
        this.outputs = declarations(session.getOutputInfo());
    }

    /** A builder with ONNX Runtime's defaults (all graph optimizations, its own thread count). */
    public static Builder builder() {
        return new Builder();
    }

    /** Session settings for {@link OnnxRuntimeEngine}. */
    public static final class Builder {
        private int threads;
        private boolean optimize = true;

        private Builder() {
        }

        /** Intra-op threads; 0 (the default) lets ONNX Runtime choose. Inter-op runs on one thread. */
        public Builder threads(int threads) {
            if (threads < 0) {
                throw new IllegalArgumentException("threads must be >= 0, got " + threads);
            }
            this.threads = threads;
            return this;
        }

        /** Whether ONNX Runtime may rewrite the graph (fusions etc.); on by default. */
        public Builder optimize(boolean optimize) {
            this.optimize = optimize;
            return this;
        }

        /** Opens a model file (external data resolves next to it). */
        public OnnxRuntimeEngine build(Path model) {
            if (!Files.isRegularFile(model)) {
                throw new LowbitException(model + ": no such model file");
            }
            return open(model.toString(), null, model.toString());
        }

        /** Opens an in-memory model (serialized with {@link ModelIO#toProto}). */
        public OnnxRuntimeEngine build(Model model) {
            return open(null, ModelIO.toProto(model).toByteArray(), "model '" + model.graph().name() + "'");
        }

        private OnnxRuntimeEngine open(String path, byte[] bytes, String label) {
            OrtEnvironment env;
            try {
                // The shared default environment: asking for another name or level once one exists makes
                // ONNX Runtime log a warning. Noise is cut per session instead (see below).
                env = OrtEnvironment.getEnvironment();
            } catch (RuntimeException | UnsatisfiedLinkError e) {
                throw new LowbitException("onnxruntime engine: cannot load ONNX Runtime's native library (" + e.getMessage() + ")");
            }
            try (OrtSession.SessionOptions opts = new OrtSession.SessionOptions()) {
                if (threads > 0) {
                    opts.setIntraOpNumThreads(threads);
                }
                opts.setInterOpNumThreads(1);
                // Warnings (e.g. "removing unused initializer") would clutter the CLI's stderr.
                opts.setSessionLogLevel(OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR);
                opts.setOptimizationLevel(optimize ? OrtSession.SessionOptions.OptLevel.ALL_OPT
                        : OrtSession.SessionOptions.OptLevel.NO_OPT);
                OrtSession s = path != null ? env.createSession(path, opts) : env.createSession(bytes, opts);
                return new OnnxRuntimeEngine(env, s);
            } catch (OrtException e) {
                throw new LowbitException(label + ": onnxruntime cannot load it: " + firstLine(e));
            }
        }
    }

    @Override
    public String name() {
        return "onnxruntime";
    }

    @Override
    public List<ValueInfo> inputs() {
        return inputs;
    }

    @Override
    public List<ValueInfo> outputs() {
        return outputs;
    }

    @Override
    public Map<String, Tensor> run(Map<String, Tensor> feed) {
        Map<String, OnnxTensor> ort = new LinkedHashMap<>();
        try {
            for (ValueInfo v : inputs) {
                Tensor t = feed.get(v.name());
                if (t == null) {
                    throw new LowbitException("missing input '" + v.name() + "' (" + v.describe() + ")");
                }
                ort.put(v.name(), OrtTensors.toOrt(env, t));
            }
            try (OrtSession.Result r = session.run(ort)) {
                Map<String, Tensor> out = new LinkedHashMap<>();
                for (ValueInfo o : outputs) {
                    OnnxValue value = r.get(o.name()).orElseThrow(
                            () -> new LowbitException("onnxruntime engine: output '" + o.name() + "' not produced"));
                    if (!(value instanceof OnnxTensor ot)) {
                        throw new LowbitException("onnxruntime engine: output '" + o.name() + "' is not a tensor");
                    }
                    out.put(o.name(), OrtTensors.fromOrt(ot));
                }
                return out;
            }
        } catch (OrtException e) {
            throw new LowbitException("onnxruntime engine: " + firstLine(e));
        } finally {
            ort.values().forEach(OnnxTensor::close);
        }
    }

    @Override
    public void close() {
        try {
            session.close();
        } catch (OrtException e) {
            throw new LowbitException("onnxruntime engine: cannot close the session: " + firstLine(e));
        }
    }

    private static List<ValueInfo> declarations(Map<String, NodeInfo> infos) {
        List<ValueInfo> out = new ArrayList<>();
        for (NodeInfo n : infos.values()) {
            if (!(n.getInfo() instanceof TensorInfo ti)) {
                out.add(new ValueInfo(n.getName(), null, null));
                continue;
            }
            DType type = OrtTensors.dtypeOf(ti.onnxType);
            long[] dims = ti.getShape();
            String[] names = ti.getDimensionNames();
            List<ValueInfo.Dim> shape = new ArrayList<>();
            for (int i = 0; i < dims.length; i++) {
                shape.add(dims[i] >= 0 ? ValueInfo.Dim.of(dims[i])
                        : ValueInfo.Dim.symbolic(names != null && i < names.length ? names[i] : ""));
            }
            out.add(new ValueInfo(n.getName(), type, shape));
        }
        return List.copyOf(out);
    }

    /** ONNX Runtime's messages can span lines; lowbit reports one. */
    static String firstLine(Exception e) {
        String m = e.getMessage() == null ? e.toString() : e.getMessage();
        return m.strip().lines().findFirst().orElse(m).strip();
    }
}
