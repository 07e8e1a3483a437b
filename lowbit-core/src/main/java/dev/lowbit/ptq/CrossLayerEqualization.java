package dev.lowbit.ptq;

import dev.lowbit.onnx.Graph;
import dev.lowbit.onnx.Node;
import dev.lowbit.tensor.Tensor;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Cross-layer equalization (Nagel et al. 2019, "Data-Free Quantization"), optionally followed by
 * bias absorption ({@link BiasAbsorption}). For two consecutive layers y = W2·f(W1·x + b1) + b2
 * where f is ReLU (or nothing), f(S⁻¹z) = S⁻¹f(z) for a positive diagonal S, so
 * W1 ← S⁻¹W1, b1 ← S⁻¹b1, W2 ← W2·S leaves the float function unchanged. Choosing
 * s_i = √(r1_i / r2_i), with r1_i the max |w| of W1's output channel i and r2_i that of W2's input
 * channel i, makes both ranges √(r1_i·r2_i): per-tensor weight quantization then wastes no levels on
 * channels much narrower than the widest. Pairs that share a layer (expand → depthwise → project)
 * are swept repeatedly until no scale moves by more than the tolerance.
 *
 * <p>ReLU6 (Clip(0, 6)) does not commute with scaling; like DFQ, {@link Options#replaceRelu6()}
 * turns the Clip(0, m) between an equalized pair into a ReLU first. That changes the float model
 * (activations above m are no longer clipped); the run's notes say how many were replaced.
 *
 * <p>Runs on the BN-folded float model (GRAPH phase). Works in double precision, writes float.
 */
public final class CrossLayerEqualization implements PtqStep {
    /**
     * @param replaceRelu6  replace Clip(0, m) between two layers by Relu so the pair can be equalized
     * @param absorbBias    run bias absorption after equalization (needs BN statistics)
     * @param absorbPadded  also absorb into a padded Conv (inexact at the borders, where padding stays 0)
     * @param maxIterations sweeps over all pairs at most
     * @param tolerance     stop when every scale of a sweep is within this of 1
     */
    public record Options(boolean replaceRelu6, boolean absorbBias, boolean absorbPadded, int maxIterations, double tolerance) {
        public static Options defaults() {
            return new Options(true, true, false, 100, 1e-8);
        }

        public Options withAbsorbBias(boolean v) {
            return new Options(replaceRelu6, v, absorbPadded, maxIterations, tolerance);
        }

        public Options withReplaceRelu6(boolean v) {
            return new Options(v, absorbBias, absorbPadded, maxIterations, tolerance);
        }

        public Options withAbsorbPadded(boolean v) {
            return new Options(replaceRelu6, absorbBias, v, maxIterations, tolerance);
        }
    }

    /** Two layers equalized together; {@code activation} is the Relu (or replaced Clip) between them, or null. */
    public record Pair(Node first, Node activation, Node second) {
    }

    /** What a run did: pairs equalized, sweeps, the last sweep's max |s−1|, Clips replaced, bias absorption. */
    public record Result(int pairs, int iterations, double lastMaxChange, int relu6Replaced,
                         BiasAbsorption.Result absorption) {
        @Override
        public String toString() {
            return String.format("%d pairs, %d sweeps (last max |s-1| %.1e), %d ReLU6 replaced by ReLU%s", pairs,
                    iterations, lastMaxChange, relu6Replaced, absorption == null ? "" : "; absorption: " + absorption);
        }
    }

    private final Options options;
    private final BatchNormStats stats;

    /** @param stats BN statistics captured before folding (updated as channels are rescaled); may be empty */
    public CrossLayerEqualization(Options options, BatchNormStats stats) {
        this.options = options;
        this.stats = stats;
    }

    @Override
    public Phase phase() {
        return Phase.GRAPH;
    }

    @Override
    public String name() {
        return "cle";
    }

    @Override
    public void apply(PtqContext ctx) {
        Result r = apply(ctx.prepared().graph(), options, stats);
        ctx.notes().merge(name(), r.toString(), (a, b) -> a + "; " + b);
    }

    /** Equalizes every eligible pair of {@code g} in place (and absorbs biases if asked). */
    public static Result apply(Graph g, Options options, BatchNormStats stats) {
        List<Pair> pairs = findPairs(g, options.replaceRelu6());
        int replaced = 0;
        for (Pair p : pairs) {
            if (p.activation() != null && p.activation().opType().equals("Clip")) {
                toRelu(g, p.activation());
                replaced++;
            }
        }
        Map<String, double[]> w = new LinkedHashMap<>();
        Map<String, double[]> b = new LinkedHashMap<>();
        List<WeightChannels[]> layouts = new ArrayList<>();
        List<double[]> cumulative = new ArrayList<>();
        for (Pair p : pairs) {
            for (Node n : List.of(p.first(), p.second())) {
                Tensor t = g.initializer(n.input(1));
                w.computeIfAbsent(n.input(1), k -> LayerGraph.toDoubles(t));
            }
            WeightChannels l1 = WeightChannels.of(p.first(), g.initializer(p.first().input(1)));
            WeightChannels l2 = WeightChannels.of(p.second(), g.initializer(p.second().input(1)));
            layouts.add(new WeightChannels[] {l1, l2});
            b.computeIfAbsent(p.first().input(1), k -> LayerGraph.bias(g, p.first(), l1.outChannels));
            cumulative.add(filled(l1.outChannels, 1));
        }
        int sweeps = 0;
        double maxChange = 0;
        while (!pairs.isEmpty() && sweeps < options.maxIterations()) {
            sweeps++;
            maxChange = 0;
            for (int k = 0; k < pairs.size(); k++) {
                Pair p = pairs.get(k);
                WeightChannels l1 = layouts.get(k)[0];
                WeightChannels l2 = layouts.get(k)[1];
                double[] w1 = w.get(p.first().input(1));
                double[] w2 = w.get(p.second().input(1));
                double[] b1 = b.get(p.first().input(1));
                double[] cum = cumulative.get(k);
                for (int i = 0; i < l1.outChannels; i++) {
                    double r1 = WeightChannels.maxAbs(w1, l1.out[i]);
                    double r2 = WeightChannels.maxAbs(w2, l2.in[i]);
                    if (r1 == 0 || r2 == 0) {
                        continue;
                    }
                    double s = Math.sqrt(r1 / r2);
                    for (int idx : l1.out[i]) {
                        w1[idx] /= s;
                    }
                    b1[i] /= s;
                    for (int idx : l2.in[i]) {
                        w2[idx] *= s;
                    }
                    cum[i] *= s;
                    maxChange = Math.max(maxChange, Math.abs(s - 1));
                }
            }
            if (maxChange < options.tolerance()) {
                break;
            }
        }
        for (int k = 0; k < pairs.size(); k++) {
            Pair p = pairs.get(k);
            double[] inv = cumulative.get(k).clone();
            for (int i = 0; i < inv.length; i++) {
                inv[i] = 1 / inv[i];
            }
            stats.scale(p.first().output(0), inv); // the first layer's output channel i is now 1/s_i of what it was
        }
        w.forEach((name, d) -> g.setInitializer(name, Tensor.of(LayerGraph.toFloats(d), g.initializer(name).shape())));
        for (Pair p : pairs) {
            double[] b1 = b.get(p.first().input(1));
            if (p.first().hasInput(2) || nonZero(b1)) {
                LayerGraph.setBias(g, p.first(), b1);
            }
        }
        BiasAbsorption.Result absorption = options.absorbBias()
                ? BiasAbsorption.apply(g, pairs, stats, options.absorbPadded()) : null;
        return new Result(pairs.size(), sweeps, maxChange, replaced, absorption);
    }

    /**
     * Conv/Gemm pairs where the first layer's output feeds only the second (directly, through a Relu,
     * or — when {@code acceptClip} — through a Clip with lower bound 0), both weights are constant and
     * read by that layer alone, and the channel counts match. Depthwise convs qualify on both sides.
     */
    public static List<Pair> findPairs(Graph g, boolean acceptClip) {
        List<Pair> out = new ArrayList<>();
        for (Node n1 : g.nodes()) {
            if (!isLayer(n1)) {
                continue;
            }
            Tensor w1 = LayerGraph.ownWeight(g, n1);
            WeightChannels l1 = w1 == null ? null : WeightChannels.of(n1, w1);
            if (l1 == null || !LayerGraph.ownBiasOrNone(g, n1, l1.outChannels)) {
                continue;
            }
            String y = n1.output(0);
            Node act = soleConsumer(g, y);
            if (act == null) {
                continue;
            }
            Node n2 = act;
            if (act.opType().equals("Relu") || act.opType().equals("Clip") && acceptClip && lowerBoundZero(g, act)) {
                n2 = soleConsumer(g, act.output(0));
            } else {
                act = null;
            }
            if (n2 == null || !isLayer(n2) || !n2.input(0).equals(act == null ? y : act.output(0))
                    || n2.inputs().subList(1, n2.inputs().size()).contains(n2.input(0))) {
                continue;
            }
            Tensor w2 = LayerGraph.ownWeight(g, n2);
            WeightChannels l2 = w2 == null ? null : WeightChannels.of(n2, w2);
            if (l2 == null || l2.inChannels != l1.outChannels) {
                continue;
            }
            out.add(new Pair(n1, act, n2));
        }
        return out;
    }

    private static boolean isLayer(Node n) {
        return n.opType().equals("Conv") || n.opType().equals("Gemm") && n.getInt("transA", 0) == 0;
    }

    private static Node soleConsumer(Graph g, String value) {
        if (g.isGraphOutput(value)) {
            return null;
        }
        List<Node> c = g.consumers(value);
        return c.size() == 1 ? c.get(0) : null;
    }

    private static boolean lowerBoundZero(Graph g, Node clip) {
        double[] b = LayerGraph.clipBounds(g, clip);
        return b != null && b[0] == 0 && b[1] > 0;
    }

    /** Turns Clip(x, 0, m) into Relu(x); removes Constant nodes that only fed its bounds. */
    static void toRelu(Graph g, Node clip) {
        List<String> bounds = new ArrayList<>(clip.inputs().subList(1, clip.inputs().size()));
        clip.setOpType("Relu");
        clip.inputs().subList(1, clip.inputs().size()).clear();
        clip.attributes().clear();
        for (String v : bounds) {
            Node p = v.isEmpty() ? null : g.producer(v);
            if (p != null && p.opType().equals("Constant") && g.consumers(v).isEmpty() && !g.isGraphOutput(v)) {
                g.removeNode(p);
            }
        }
        g.removeUnusedInitializers();
    }

    private static double[] filled(int n, double v) {
        double[] d = new double[n];
        java.util.Arrays.fill(d, v);
        return d;
    }

    private static boolean nonZero(double[] d) {
        for (double v : d) {
            if (v != 0) {
                return true;
            }
        }
        return false;
    }
}
