package dev.lowbit.onnx;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.lowbit.LowbitException;
import dev.lowbit.onnx.proto.Onnx.AttributeProto;
import dev.lowbit.onnx.proto.Onnx.GraphProto;
import dev.lowbit.onnx.proto.Onnx.ModelProto;
import dev.lowbit.onnx.proto.Onnx.NodeProto;
import dev.lowbit.onnx.proto.Onnx.OperatorSetIdProto;
import dev.lowbit.onnx.proto.Onnx.StringStringEntryProto;
import dev.lowbit.onnx.proto.Onnx.TensorProto;
import dev.lowbit.onnx.proto.Onnx.TensorShapeProto;
import dev.lowbit.onnx.proto.Onnx.TypeProto;
import dev.lowbit.onnx.proto.Onnx.ValueInfoProto;
import dev.lowbit.tensor.DType;
import dev.lowbit.tensor.Tensor;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Reads and writes ONNX models ({@code ModelProto}) to and from the {@link Model} IR. */
public final class ModelIO {
    private ModelIO() {
    }

    /** Loads a model file; external data is resolved relative to its folder. */
    public static Model load(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new LowbitException(file + ": no such model file");
        }
        ModelProto proto;
        try (InputStream in = Files.newInputStream(file)) {
            CodedInputStream cis = CodedInputStream.newInstance(in);
            cis.setRecursionLimit(1000);
            cis.setSizeLimit(Integer.MAX_VALUE);
            proto = ModelProto.parseFrom(cis);
        } catch (InvalidProtocolBufferException e) {
            throw new LowbitException(file + ": not a valid ONNX model, truncated or corrupt (" + e.getMessage() + ")");
        } catch (IOException e) {
            throw new LowbitException(file + ": cannot read (" + e.getMessage() + ")");
        }
        if (!proto.hasGraph() || proto.getOpsetImportCount() == 0) {
            throw new LowbitException(file + ": not a valid ONNX model (no graph or no opset_import)");
        }
        try {
            Model model = fromProto(proto, file.toAbsolutePath().getParent());
            ModelValidator.check(model);
            return model;
        } catch (LowbitException e) {
            throw new LowbitException(file + ": " + e.getMessage(), e);
        }
    }

    /** Parses model bytes; {@code baseDir} resolves external data (may be null). */
    public static Model parse(byte[] bytes, Path baseDir) {
        try {
            return fromProto(ModelProto.parseFrom(bytes), baseDir);
        } catch (InvalidProtocolBufferException e) {
            throw new LowbitException("not a valid ONNX model (" + e.getMessage() + ")");
        }
    }

    public static Model fromProto(ModelProto p, Path baseDir) {
        Model m = new Model(graphFromProto(p.getGraph(), baseDir));
        m.setIrVersion(p.getIrVersion());
        for (OperatorSetIdProto o : p.getOpsetImportList()) {
            String d = o.getDomain().equals("ai.onnx") ? "" : o.getDomain();
            m.opsets().put(d, o.getVersion());
        }
        m.setProducer(p.getProducerName(), p.getProducerVersion());
        for (StringStringEntryProto e : p.getMetadataPropsList()) {
            m.metadata().put(e.getKey(), e.getValue());
        }
        return m;
    }

    static Graph graphFromProto(GraphProto gp, Path baseDir) {
        Graph g = new Graph(gp.getName());
        for (TensorProto t : gp.getInitializerList()) {
            g.initializers().put(t.getName(), TensorProtos.fromProto(t, baseDir));
        }
        for (ValueInfoProto v : gp.getInputList()) {
            g.inputs().add(valueInfo(v));
        }
        for (ValueInfoProto v : gp.getOutputList()) {
            g.outputs().add(valueInfo(v));
        }
        for (ValueInfoProto v : gp.getValueInfoList()) {
            g.valueInfos().put(v.getName(), valueInfo(v));
        }
        for (NodeProto np : gp.getNodeList()) {
            Node n = new Node(np.getOpType(), np.getDomain(), np.getName(), np.getInputList(), np.getOutputList());
            for (AttributeProto a : np.getAttributeList()) {
                n.set(attribute(a, baseDir, n));
            }
            g.addNode(n);
        }
        return g;
    }

    static ValueInfo valueInfo(ValueInfoProto v) {
        if (!v.hasType() || !v.getType().hasTensorType()) {
            return new ValueInfo(v.getName(), null, null);
        }
        TypeProto.Tensor tt = v.getType().getTensorType();
        DType type = null;
        try {
            type = tt.hasElemType() ? DType.fromOnnx(tt.getElemType()) : null;
        } catch (IllegalArgumentException ignored) {
            // an element type lowbit cannot hold; ops reading it will report unsupported
        }
        if (!tt.hasShape()) {
            return new ValueInfo(v.getName(), type, null);
        }
        List<ValueInfo.Dim> dims = new ArrayList<>();
        for (TensorShapeProto.Dimension d : tt.getShape().getDimList()) {
            dims.add(d.hasDimValue() ? ValueInfo.Dim.of(d.getDimValue()) : ValueInfo.Dim.symbolic(d.getDimParam()));
        }
        return new ValueInfo(v.getName(), type, dims);
    }

    static Attribute attribute(AttributeProto a, Path baseDir, Node owner) {
        String name = a.getName();
        if (!a.getRefAttrName().isEmpty()) {
            throw new LowbitException(owner.label() + ": attribute references (functions) are not supported");
        }
        AttributeProto.AttributeType type = a.getType();
        return switch (type) {
            case FLOAT -> new Attribute(name, Attribute.Type.FLOAT, a.getF());
            case INT -> new Attribute(name, Attribute.Type.INT, a.getI());
            case STRING -> new Attribute(name, Attribute.Type.STRING, a.getS().toStringUtf8());
            case TENSOR -> new Attribute(name, Attribute.Type.TENSOR, TensorProtos.fromProto(a.getT(), baseDir));
            case GRAPH -> new Attribute(name, Attribute.Type.GRAPH, graphFromProto(a.getG(), baseDir));
            case FLOATS -> {
                float[] f = new float[a.getFloatsCount()];
                for (int i = 0; i < f.length; i++) {
                    f[i] = a.getFloats(i);
                }
                yield new Attribute(name, Attribute.Type.FLOATS, f);
            }
            case INTS -> new Attribute(name, Attribute.Type.INTS, a.getIntsList().stream().mapToLong(Long::longValue).toArray());
            case STRINGS -> new Attribute(name, Attribute.Type.STRINGS,
                    a.getStringsList().stream().map(ByteString::toStringUtf8).toList());
            case TENSORS -> new Attribute(name, Attribute.Type.TENSORS,
                    a.getTensorsList().stream().map(t -> TensorProtos.fromProto(t, baseDir)).toList());
            case GRAPHS -> new Attribute(name, Attribute.Type.GRAPHS,
                    a.getGraphsList().stream().map(g -> graphFromProto(g, baseDir)).toList());
            default -> throw new LowbitException(owner.label() + ": attribute '" + name + "' has unsupported type " + type);
        };
    }

    /** Builds the protobuf form of a model (initializers inline). */
    public static ModelProto toProto(Model m) {
        ModelProto.Builder b = ModelProto.newBuilder()
                .setIrVersion(m.irVersion())
                .setProducerName(m.producerName())
                .setProducerVersion(m.producerVersion())
                .setGraph(graphToProto(m.graph()));
        for (Map.Entry<String, Long> e : m.opsets().entrySet()) {
            b.addOpsetImport(OperatorSetIdProto.newBuilder().setDomain(e.getKey()).setVersion(e.getValue()));
        }
        for (Map.Entry<String, String> e : new java.util.TreeMap<>(m.metadata()).entrySet()) { // sorted: byte-identical files
            b.addMetadataProps(StringStringEntryProto.newBuilder().setKey(e.getKey()).setValue(e.getValue()));
        }
        return b.build();
    }

    static GraphProto graphToProto(Graph g) {
        GraphProto.Builder b = GraphProto.newBuilder().setName(g.name());
        for (Node n : g.nodes()) {
            NodeProto.Builder nb = NodeProto.newBuilder().setOpType(n.opType()).setName(n.name())
                    .addAllInput(n.inputs()).addAllOutput(n.outputs());
            if (!n.domain().isEmpty()) {
                nb.setDomain(n.domain());
            }
            for (Attribute a : n.attributes().values()) {
                nb.addAttribute(attributeToProto(a));
            }
            b.addNode(nb);
        }
        for (Map.Entry<String, Tensor> e : g.initializers().entrySet()) {
            b.addInitializer(TensorProtos.toProto(e.getKey(), e.getValue()));
        }
        for (ValueInfo v : g.inputs()) {
            b.addInput(valueInfoToProto(v));
        }
        for (ValueInfo v : g.outputs()) {
            b.addOutput(valueInfoToProto(v));
        }
        for (ValueInfo v : g.valueInfos().values()) {
            b.addValueInfo(valueInfoToProto(v));
        }
        return b.build();
    }

    static ValueInfoProto valueInfoToProto(ValueInfo v) {
        ValueInfoProto.Builder b = ValueInfoProto.newBuilder().setName(v.name());
        if (v.type() != null) {
            TypeProto.Tensor.Builder tt = TypeProto.Tensor.newBuilder().setElemType(v.type().onnxCode());
            if (v.shape() != null) {
                TensorShapeProto.Builder sb = TensorShapeProto.newBuilder();
                for (ValueInfo.Dim d : v.shape()) {
                    TensorShapeProto.Dimension.Builder db = TensorShapeProto.Dimension.newBuilder();
                    if (d.isFixed()) {
                        db.setDimValue(d.value());
                    } else if (d.param() != null && !d.param().isEmpty()) {
                        db.setDimParam(d.param());
                    }
                    sb.addDim(db);
                }
                tt.setShape(sb);
            }
            b.setType(TypeProto.newBuilder().setTensorType(tt));
        }
        return b.build();
    }

    @SuppressWarnings("unchecked")
    static AttributeProto attributeToProto(Attribute a) {
        AttributeProto.Builder b = AttributeProto.newBuilder().setName(a.name());
        switch (a.type()) {
            case FLOAT -> b.setType(AttributeProto.AttributeType.FLOAT).setF((Float) a.value());
            case INT -> b.setType(AttributeProto.AttributeType.INT).setI((Long) a.value());
            case STRING -> b.setType(AttributeProto.AttributeType.STRING).setS(ByteString.copyFromUtf8((String) a.value()));
            case TENSOR -> b.setType(AttributeProto.AttributeType.TENSOR).setT(TensorProtos.toProto("", (Tensor) a.value()));
            case GRAPH -> b.setType(AttributeProto.AttributeType.GRAPH).setG(graphToProto((Graph) a.value()));
            case FLOATS -> {
                b.setType(AttributeProto.AttributeType.FLOATS);
                for (float f : (float[]) a.value()) {
                    b.addFloats(f);
                }
            }
            case INTS -> {
                b.setType(AttributeProto.AttributeType.INTS);
                for (long v : (long[]) a.value()) {
                    b.addInts(v);
                }
            }
            case STRINGS -> {
                b.setType(AttributeProto.AttributeType.STRINGS);
                for (String s : (List<String>) a.value()) {
                    b.addStrings(ByteString.copyFromUtf8(s));
                }
            }
            case TENSORS -> {
                b.setType(AttributeProto.AttributeType.TENSORS);
                for (Tensor t : (List<Tensor>) a.value()) {
                    b.addTensors(TensorProtos.toProto("", t));
                }
            }
            case GRAPHS -> {
                b.setType(AttributeProto.AttributeType.GRAPHS);
                for (Graph g : (List<Graph>) a.value()) {
                    b.addGraphs(graphToProto(g));
                }
            }
        }
        return b.build();
    }

    /**
     * Saves a model atomically: written to a temporary file beside {@code file}, then renamed,
     * so a failure never leaves a half-written model behind.
     */
    public static void save(Model m, Path file) {
        byte[] bytes = toProto(m).toByteArray();
        writeAtomically(file, out -> out.write(bytes));
    }

    /** Something that writes a file's content to a stream. */
    @FunctionalInterface
    public interface Writer {
        void write(OutputStream out) throws IOException;
    }

    /** Writes via a temporary sibling file and an atomic rename. */
    public static void writeAtomically(Path file, Writer writer) {
        Path abs = file.toAbsolutePath();
        Path dir = abs.getParent();
        Path tmp = null;
        try {
            Files.createDirectories(dir);
            tmp = Files.createTempFile(dir, "." + abs.getFileName(), ".tmp");
            try (OutputStream out = new java.io.BufferedOutputStream(Files.newOutputStream(tmp))) {
                writer.write(out);
            }
            try {
                // createTempFile makes the file private (0600); a model or report is an ordinary file.
                Files.setPosixFilePermissions(tmp, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
            } catch (UnsupportedOperationException ignored) {
                // not a POSIX file system: keep the defaults
            }
            try {
                Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (java.nio.file.AtomicMoveNotSupportedException e) {
                Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING);
            }
            tmp = null;
        } catch (IOException e) {
            throw new LowbitException(file + ": cannot write (" + e.getMessage() + ")");
        } finally {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // best effort clean-up of our own temporary file
                }
            }
        }
    }
}
