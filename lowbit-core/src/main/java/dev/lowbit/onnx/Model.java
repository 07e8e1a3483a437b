package dev.lowbit.onnx;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * An ONNX model: the main graph plus its header (IR version, operator sets, producer, metadata).
 * Load with {@link ModelIO#load(Path)}, save with {@link ModelIO#save(Model, Path)}.
 */
public final class Model {
    private long irVersion = 8;
    private final Map<String, Long> opsets = new LinkedHashMap<>();
    private String producerName = "lowbit";
    private String producerVersion = "";
    private final Map<String, String> metadata = new LinkedHashMap<>();
    private Graph graph;

    public Model(Graph graph) {
        this.graph = graph;
    }

    public Graph graph() {
        return graph;
    }

    public void setGraph(Graph g) {
        this.graph = g;
    }

    public long irVersion() {
        return irVersion;
    }

    public void setIrVersion(long v) {
        this.irVersion = v;
    }

    /** Operator-set versions by domain ("" is the default ONNX domain). Live map. */
    public Map<String, Long> opsets() {
        return opsets;
    }

    /** The default-domain opset version (the one most ops bind against). */
    public int opset() {
        return opsets.getOrDefault("", 1L).intValue();
    }

    public int opset(String domain) {
        return opsets.getOrDefault(domain, 1L).intValue();
    }

    public String producerName() {
        return producerName;
    }

    public void setProducer(String name, String version) {
        this.producerName = name;
        this.producerVersion = version;
    }

    public String producerVersion() {
        return producerVersion;
    }

    public Map<String, String> metadata() {
        return metadata;
    }

    /**
     * A copy a pass can edit: nodes, lists and maps are new; initializer tensors are shared
     * (passes replace initializers, they never mutate a tensor in place).
     */
    public Model copy() {
        Graph g = new Graph(graph.name());
        for (Node n : graph.nodes()) {
            g.addNode(n.copy());
        }
        g.initializers().putAll(graph.initializers());
        g.inputs().addAll(graph.inputs());
        g.outputs().addAll(graph.outputs());
        g.valueInfos().putAll(graph.valueInfos());
        Model m = new Model(g);
        m.irVersion = irVersion;
        m.opsets.putAll(opsets);
        m.producerName = producerName;
        m.producerVersion = producerVersion;
        m.metadata.putAll(metadata);
        return m;
    }
}
