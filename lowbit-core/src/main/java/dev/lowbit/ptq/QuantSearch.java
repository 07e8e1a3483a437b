package dev.lowbit.ptq;

import dev.lowbit.quant.QuantPlan;
import dev.lowbit.data.Dataset;
import dev.lowbit.onnx.Graph;
import dev.lowbit.onnx.Model;
import dev.lowbit.onnx.Node;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Repeated post-training quantization of one float model that differ only in which layers stay
 * float and how many bits each weight gets, sharing one calibration pass ({@link ActivationCache})
 * and one evaluation set ({@link ModelScorer}). The machinery under {@link Sensitivity},
 * {@link PartialQuantization} and {@link MixedPrecision}.
 */
public final class QuantSearch {
    /**
     * A layer as quantization sees it: a weighted node with the Relu/Clip fused after it, an Add
     * (with its fused Relu), a pooling or Concat node, or a standalone Relu/Clip.
     *
     * @param weightElements elements of its weight initializer (0 without one)
     */
    public record Unit(String name, String opType, List<String> nodes, long weightElements) {
    }

    private final Model floatModel;
    private final Dataset calibration;
    private final ModelScorer scorer;
    private final List<PtqStep> steps;
    private final ProgressListener progress;
    private final ActivationCache cache = new ActivationCache();
    private PtqConfig config;
    private PtqResult full;
    private ModelScorer.Score fullScore;
    private List<Unit> units;
    private Set<String> allNodes;

    /**
     * @param steps algorithm steps applied to the runs that produce models (partial quantization,
     *              mixed precision) but not to the one-layer runs of sensitivity analysis
     */
    public QuantSearch(Model floatModel, Dataset calibration, ModelScorer scorer, PtqConfig config, List<PtqStep> steps,
                       ProgressListener progress) {
        this.floatModel = floatModel;
        this.calibration = calibration;
        this.scorer = scorer;
        this.config = config;
        this.steps = List.copyOf(steps);
        this.progress = progress;
    }

    public ModelScorer scorer() {
        return scorer;
    }

    public ProgressListener progress() {
        return progress;
    }

    /**
     * Quantizes everything (with the steps) and scores it. The first call calibrates; when the
     * config asks for {@code best}, this run picks the method the later runs reuse.
     */
    public PtqResult full() {
        if (full == null) {
            if (config.method().kind() == CalibrationMethod.Kind.BEST) {
                full = run(config, true, false);
                config = config.toBuilder().method(full.method()).build();
            } else {
                full = run(config, true, true);
            }
            fullScore = scorer.score(full.quantized());
            Graph g = full.prepared().graph();
            units = units(g, full.plan());
            allNodes = new LinkedHashSet<>();
            g.nodes().forEach(n -> allNodes.add(n.key()));
        }
        return full;
    }

    public ModelScorer.Score fullScore() {
        full();
        return fullScore;
    }

    /** The quantized layers of the full plan, in topological order. */
    public List<Unit> units() {
        full();
        return units;
    }

    /** The config after {@code best} was resolved. */
    public PtqConfig config() {
        full();
        return config;
    }

    /** Quantizes with {@code floatUnits} kept float and per-node weight bits; {@code withSteps} runs the algorithm steps. */
    public PtqResult quantize(Set<String> floatNodes, Map<String, Integer> weightBits, boolean withSteps) {
        full();
        PtqConfig c = config.toBuilder().exclude(union(config.exclude(), floatNodes)).weightBitsPerNode(weightBits).build();
        return run(c, withSteps, true);
    }

    /** Quantizes only {@code unit} (everything else float), without the steps. */
    public PtqResult quantizeOnly(Unit unit) {
        full();
        Set<String> others = new LinkedHashSet<>(allNodes);
        unit.nodes().forEach(others::remove);
        return run(config.toBuilder().exclude(others).build(), false, true);
    }

    private PtqResult run(PtqConfig c, boolean withSteps, boolean reuse) {
        PostTrainingQuantizer q = new PostTrainingQuantizer(c);
        if (reuse) {
            q.reuseCalibration(cache);
        }
        if (!cache.filled()) {
            q.progress((phase, done, total) -> {
                if (phase.equals("calibrate")) {
                    progress.update(phase, done, total);
                }
            });
        }
        if (withSteps) {
            steps.forEach(q::step);
        }
        return q.quantize(floatModel, calibration);
    }

    private static Set<String> union(Set<String> a, Set<String> b) {
        Set<String> s = new LinkedHashSet<>(a);
        s.addAll(b);
        return s;
    }

    /** Groups the plan's quantized nodes into layers: fused activations go with their producer. */
    static List<Unit> units(Graph g, QuantPlan plan) {
        List<Unit> out = new ArrayList<>();
        Set<String> assigned = new LinkedHashSet<>();
        Set<String> quantized = Set.copyOf(plan.quantizedNodes());
        for (Node n : g.topologicalOrder()) {
            String name = n.key();
            if (!quantized.contains(name) || assigned.contains(name)) {
                continue;
            }
            String op = n.opType();
            List<String> nodes = new ArrayList<>(List.of(name));
            long elements = 0;
            switch (op) {
                case "Conv", "Gemm", "MatMul" -> {
                    Node act = LayerProbe.fusedActivation(g, plan, n);
                    if (act != null) {
                        nodes.add(act.key());
                    }
                    for (QuantPlan.Weight w : plan.weights()) {
                        if (w.node().equals(name)) {
                            elements += g.initializer(w.initializer()).size();
                        }
                    }
                }
                case "Add" -> {
                    Node act = LayerProbe.fusedActivation(g, plan, n);
                    if (act != null && act.opType().equals("Relu")) {
                        nodes.add(act.key());
                    }
                }
                case "Concat", "AveragePool", "GlobalAveragePool", "Relu", "Clip" -> {
                }
                default -> {
                    continue; // data movement that only reuses its input's parameters
                }
            }
            assigned.addAll(nodes);
            out.add(new Unit(name, op, List.copyOf(nodes), elements));
        }
        return out;
    }
}
