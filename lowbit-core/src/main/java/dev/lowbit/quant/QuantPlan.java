package dev.lowbit.quant;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Where quantizers go in a float graph: which activation tensors get a QuantizeLinear /
 * DequantizeLinear pair, which weights and biases are stored as integers, which outputs reuse
 * their input's parameters, and which nodes stay float. Built by {@code dev.lowbit.ptq.QuantPlanner}; read by
 * calibration (what to observe) and by the exporters (what to write).
 */
public final class QuantPlan {
    /** A weight initializer read by {@code node} at {@code inputIndex}; {@code axis} -1 = per-tensor only. */
    public record Weight(String node, int inputIndex, String initializer, int channelAxis) {
    }

    /** A bias initializer whose scale is input-scale × weight-scale (stored as int32). */
    public record Bias(String node, int inputIndex, String initializer, String activation, String weight) {
    }

    private final Set<String> activations = new LinkedHashSet<>();
    private final Map<String, String> sharedParams = new LinkedHashMap<>();
    private final List<Weight> weights = new ArrayList<>();
    private final List<Bias> biases = new ArrayList<>();
    private final List<String> quantizedNodes = new ArrayList<>();
    private final Map<String, String> floatNodes = new LinkedHashMap<>();
    private final Map<String, Set<String>> readers = new LinkedHashMap<>();
    private final Recipe recipe;

    public QuantPlan() {
        this(Recipe.CNN);
    }

    public QuantPlan(Recipe recipe) {
        this.recipe = recipe;
    }

    /** The recipe the plan was made with. */
    public Recipe recipe() {
        return recipe;
    }

    /**
     * Activations dequantized for some readers only: tensor -> names of the nodes that read the
     * quantized value (the others keep reading the float tensor). Absent = every reader.
     */
    public Map<String, Set<String>> readers() {
        return readers;
    }

    /** Activation tensors to quantize, in graph order (includes those that share parameters). */
    public Set<String> activations() {
        return activations;
    }

    /** Tensors whose quantization parameters are copied from another tensor (output -> input). */
    public Map<String, String> sharedParams() {
        return sharedParams;
    }

    /** Activation tensors that need their own calibration (not sharing another's parameters). */
    public List<String> calibratedActivations() {
        return activations.stream().filter(a -> !sharedParams.containsKey(a)).toList();
    }

    public List<Weight> weights() {
        return weights;
    }

    public List<Bias> biases() {
        return biases;
    }

    /** Names of nodes that run quantized. */
    public List<String> quantizedNodes() {
        return quantizedNodes;
    }

    /** Nodes that stay float, with the reason, by node name. */
    public Map<String, String> floatNodes() {
        return floatNodes;
    }

    /** The tensor whose parameters {@code tensor} uses (itself unless shared). */
    public String paramsSource(String tensor) {
        String t = tensor;
        for (int guard = 0; sharedParams.containsKey(t) && guard < 1000; guard++) {
            t = sharedParams.get(t);
        }
        return t;
    }
}
