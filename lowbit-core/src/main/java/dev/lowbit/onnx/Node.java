package dev.lowbit.onnx;

import dev.lowbit.tensor.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A mutable graph node. Missing optional inputs are the empty string, as in ONNX.
 * Attribute getters take a default that applies when the attribute is absent.
 */
public final class Node {
    private String name;
    private String opType;
    private String domain;
    private final List<String> inputs;
    private final List<String> outputs;
    private final Map<String, Attribute> attributes = new LinkedHashMap<>();

    public Node(String opType, String name, List<String> inputs, List<String> outputs) {
        this(opType, "", name, inputs, outputs);
    }

    public Node(String opType, String domain, String name, List<String> inputs, List<String> outputs) {
        this.opType = opType;
        this.domain = domain == null || domain.equals("ai.onnx") ? "" : domain;
        this.name = name == null ? "" : name;
        this.inputs = new ArrayList<>(inputs);
        this.outputs = new ArrayList<>(outputs);
    }

    public String name() {
        return name;
    }

    public void setName(String name) {
        this.name = name;
    }

    public String opType() {
        return opType;
    }

    public void setOpType(String opType) {
        this.opType = opType;
    }

    /** The operator-set domain: "" for the default ONNX domain. */
    public String domain() {
        return domain;
    }

    public void setDomain(String domain) {
        this.domain = domain;
    }

    /** Live list of input names; edit it to rewire. */
    public List<String> inputs() {
        return inputs;
    }

    /** Live list of output names. */
    public List<String> outputs() {
        return outputs;
    }

    public String input(int i) {
        return i < inputs.size() ? inputs.get(i) : "";
    }

    public boolean hasInput(int i) {
        return i < inputs.size() && !inputs.get(i).isEmpty();
    }

    public String output(int i) {
        return outputs.get(i);
    }

    public Map<String, Attribute> attributes() {
        return attributes;
    }

    public Node set(Attribute a) {
        attributes.put(a.name(), a);
        return this;
    }

    public boolean has(String attr) {
        return attributes.containsKey(attr);
    }

    public long getInt(String attr, long def) {
        Attribute a = attributes.get(attr);
        return a == null ? def : (Long) a.value();
    }

    public float getFloat(String attr, float def) {
        Attribute a = attributes.get(attr);
        return a == null ? def : (Float) a.value();
    }

    public String getString(String attr, String def) {
        Attribute a = attributes.get(attr);
        return a == null ? def : (String) a.value();
    }

    /** An INTS attribute, or {@code def} (may be null) when absent. */
    public long[] getInts(String attr, long[] def) {
        Attribute a = attributes.get(attr);
        return a == null ? def : ((long[]) a.value()).clone();
    }

    /** An INTS attribute converted to int, or {@code def} when absent. */
    public int[] getIntArray(String attr, int[] def) {
        Attribute a = attributes.get(attr);
        if (a == null) {
            return def;
        }
        long[] v = (long[]) a.value();
        int[] out = new int[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = Math.toIntExact(v[i]);
        }
        return out;
    }

    public float[] getFloats(String attr, float[] def) {
        Attribute a = attributes.get(attr);
        return a == null ? def : ((float[]) a.value()).clone();
    }

    @SuppressWarnings("unchecked")
    public List<String> getStrings(String attr, List<String> def) {
        Attribute a = attributes.get(attr);
        return a == null ? def : (List<String>) a.value();
    }

    public Tensor getTensor(String attr) {
        Attribute a = attributes.get(attr);
        return a == null ? null : (Tensor) a.value();
    }

    public Graph getGraph(String attr) {
        Attribute a = attributes.get(attr);
        return a == null ? null : (Graph) a.value();
    }

    /** How errors name this node: its name if it has one, otherwise its first output. */
    /** The node's name, or its first output for an unnamed node: how plans and flags such as --exclude refer to it. */
    public String key() {
        return name.isEmpty() ? (outputs.isEmpty() ? "" : outputs.get(0)) : name;
    }

    public String label() {
        String n = name.isEmpty() ? (outputs.isEmpty() ? "?" : outputs.get(0)) : name;
        return opType + " node '" + n + "'";
    }

    @Override
    public String toString() {
        return opType + "(" + name + ": " + inputs + " -> " + outputs + ")";
    }

    /** A shallow copy with its own input, output and attribute collections. */
    public Node copy() {
        Node n = new Node(opType, domain, name, inputs, outputs);
        n.attributes.putAll(attributes);
        return n;
    }

    static String listToString(long[] v) {
        return Arrays.toString(v);
    }
}
