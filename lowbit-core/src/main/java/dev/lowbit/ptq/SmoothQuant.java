package dev.lowbit.ptq;

import dev.lowbit.quant.Recipe;
import dev.lowbit.quant.QuantPlan;
import dev.lowbit.LowbitException;
import dev.lowbit.exec.Executor;
import dev.lowbit.exec.TensorHook;
import dev.lowbit.onnx.Graph;
import dev.lowbit.onnx.Node;
import dev.lowbit.tensor.DType;
import dev.lowbit.tensor.Tensor;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * SmoothQuant (Xiao et al. 2023): moves the range of activation channels that are much wider than
 * the rest into the weights that read them. For X·W = (X·diag(s)⁻¹)·(diag(s)·W) with
 * sⱼ = max|Xⱼ|^α / max|Wⱼ|^(1−α) (max over calibration data and over every reader's weights),
 * per-tensor activation quantization no longer spends its levels on a few outlier channels, and
 * the per-channel weights absorb the scale. X is divided at its producer when that is an affine
 * op with constants — LayerNormalization, Mul by a constant, or Add of a constant after such a
 * Mul (a decomposed LayerNorm, PP-LCNet's learnable affine block) — else by an inserted Mul.
 * Only activations whose readers are all Conv/Gemm/MatMul with constant weights are smoothed, so
 * residual paths keep their values. The float model computes the same function (to rounding).
 */
public final class SmoothQuant implements PtqStep {
    /** Which activations a run smooths. */
    public enum Mode {
        /** None. */
        OFF,
        /** LayerNorm and affine-block (Mul then Add of constants) outputs, divided in those constants: the graph keeps its ops (the default). */
        FOLDED,
        /** Also the others, through an inserted float Mul (between integer ops in a runtime). */
        FULL
    }

    /** What a run did. */
    public record Result(int smoothed, int folded, int inserted, double alpha) {
        @Override
        public String toString() {
            return String.format("%d activations smoothed (alpha %.2f): %d folded into their producer, %d by an inserted Mul",
                    smoothed, alpha, folded, inserted);
        }
    }

    private final double alpha;
    private final boolean foldedOnly;

    public SmoothQuant(double alpha) {
        this(alpha, false);
    }

    /**
     * @param foldedOnly smooth only the activations whose producer absorbs the division (no Mul
     *                   inserted, so no float op between integer ones: the graph keeps its shape)
     */
    public SmoothQuant(double alpha, boolean foldedOnly) {
        this.foldedOnly = foldedOnly;
        if (!(alpha >= 0 && alpha <= 1)) {
            throw new LowbitException("--smoothquant alpha must be in [0, 1], got " + alpha);
        }
        this.alpha = alpha;
    }

    @Override
    public Phase phase() {
        return Phase.GRAPH;
    }

    @Override
    public String name() {
        return "smoothquant";
    }

    /** One smoothed activation: its channel axis (1 for Conv, last for MatMul/Gemm) and its weighted readers. */
    private record Target(String value, int channels, boolean convLayout, List<Node> readers, List<WeightChannels> layouts) {
    }

    @Override
    public void apply(PtqContext ctx) {
        Graph g = ctx.prepared().graph();
        PtqConfig config = ctx.config();
        QuantPlan plan = QuantPlanner.plan(g, config.exclude(), config.recipe() != null ? config.recipe() : Recipe.detect(g));
        List<Target> targets = targets(g, plan).stream()
                .filter(t -> !foldedOnly || (foldable(g, t) && isAffineBlock(g, t))).toList();
        if (targets.isEmpty()) {
            if (!foldedOnly) {
                ctx.notes().put(name(), "no activation read only by weighted layers: nothing smoothed");
            }
            return;
        }
        Map<String, double[]> absMax = channelAbsMax(ctx, targets);
        int folded = 0;
        int inserted = 0;
        for (Target t : targets) {
            double[] s = scales(g, t, absMax.get(t.value()));
            for (int k = 0; k < t.readers().size(); k++) {
                scaleWeightInputs(g, t.readers().get(k), t.layouts().get(k), s);
            }
            if (foldIntoProducer(g, t, s)) {
                folded++;
            } else {
                insertDivision(g, t, s);
                inserted++;
            }
        }
        Result r = new Result(folded + inserted, folded, inserted, alpha);
        if (!foldedOnly || r.smoothed() > 0) {
            ctx.notes().put(name(), r.toString());
        }
    }

    private static List<Target> targets(Graph g, QuantPlan plan) {
        Map<String, Target> byValue = new LinkedHashMap<>();
        for (Node n : g.topologicalOrder()) {
            if (!plan.quantizedNodes().contains(n.key()) || byValue.containsKey(n.input(0))) {
                continue;
            }
            String x = n.input(0);
            if (g.initializer(x) != null || g.producer(x) == null || g.isGraphOutput(x) || !plan.activations().contains(x)) {
                continue;
            }
            List<Node> readers = g.consumers(x);
            List<WeightChannels> layouts = new ArrayList<>();
            boolean conv = n.opType().equals("Conv");
            for (Node r : readers) {
                WeightChannels l = layout(g, r, x);
                if (l == null || r.opType().equals("Conv") != conv || !plan.quantizedNodes().contains(r.key())) {
                    layouts = null;
                    break;
                }
                layouts.add(l);
            }
            if (layouts == null || layouts.stream().map(l -> l.inChannels).distinct().count() != 1) {
                continue;
            }
            byValue.put(x, new Target(x, layouts.get(0).inChannels, conv, readers, layouts));
        }
        return List.copyOf(byValue.values());
    }

    /** The weight layout of {@code r} when it reads {@code x} as its activation input and has a float constant weight. */
    private static WeightChannels layout(Graph g, Node r, String x) {
        if (r.inputs().size() < 2 || !r.input(0).equals(x) || r.input(1).equals(x)) {
            return null;
        }
        Tensor w = g.initializer(r.input(1));
        if (w == null || w.dtype() != DType.FLOAT) {
            return null;
        }
        return r.opType().equals("MatMul") ? (w.rank() == 2 ? WeightChannels.gemm(w, false) : null) : WeightChannels.of(r, w);
    }

    /** Per-channel max |x| of every target over the calibration samples (one float pass). */
    private static Map<String, double[]> channelAbsMax(PtqContext ctx, List<Target> targets) {
        Map<String, Target> byValue = new LinkedHashMap<>();
        targets.forEach(t -> byValue.put(t.value(), t));
        Map<String, double[]> max = new LinkedHashMap<>();
        targets.forEach(t -> max.put(t.value(), new double[t.channels()]));
        Executor exec = new Executor(ctx.prepared());
        TensorHook hook = TensorHook.observing((name, v) -> {
            Target t = byValue.get(name);
            if (t != null && v.dtype() == DType.FLOAT) {
                accumulate(max.get(name), v, t.convLayout());
            }
        });
        int seen = 0;
        int limit = ctx.calibrationSamples();
        for (Map<String, Tensor> x : ctx.calibrationBatches()) {
            exec.run(x, hook, Set.of());
            seen += x.values().iterator().next().dim(0);
            ctx.progress().update("smoothquant statistics", Math.min(seen, limit), limit);
            if (seen >= limit) {
                break;
            }
        }
        return max;
    }

    private static void accumulate(double[] max, Tensor v, boolean channelAxisOne) {
        float[] a = v.floats();
        int c = max.length;
        if (channelAxisOne) {
            int inner = v.rank() > 2 ? v.size() / (v.dim(0) * v.dim(1)) : 1;
            for (int i = 0; i < a.length; i++) {
                int ch = (i / inner) % c;
                max[ch] = Math.max(max[ch], Math.abs(a[i]));
            }
        } else {
            for (int i = 0; i < a.length; i++) {
                max[i % c] = Math.max(max[i % c], Math.abs(a[i]));
            }
        }
    }

    /** sⱼ = max|Xⱼ|^α / max|Wⱼ|^(1−α), 1 where either is zero or not finite. */
    private double[] scales(Graph g, Target t, double[] xMax) {
        double[] s = new double[t.channels()];
        for (int j = 0; j < s.length; j++) {
            double wMax = 0;
            for (int k = 0; k < t.readers().size(); k++) {
                float[] w = g.initializer(t.readers().get(k).input(1)).floats();
                for (int idx : t.layouts().get(k).in[j]) {
                    wMax = Math.max(wMax, Math.abs(w[idx]));
                }
            }
            double v = Math.pow(xMax[j], alpha) / Math.pow(wMax, 1 - alpha);
            s[j] = xMax[j] > 0 && wMax > 0 && Double.isFinite(v) ? Math.min(1e4, Math.max(1e-4, v)) : 1;
        }
        return s;
    }

    private static void scaleWeightInputs(Graph g, Node reader, WeightChannels layout, double[] s) {
        Tensor w = g.initializer(reader.input(1));
        float[] v = w.floats().clone();
        for (int j = 0; j < s.length; j++) {
            for (int idx : layout.in[j]) {
                v[idx] = (float) (v[idx] * s[j]);
            }
        }
        String name = g.uniqueName(reader.input(1) + "_smoothed");
        g.setInitializer(name, Tensor.of(v, w.shape()));
        reader.inputs().set(1, name);
    }

    /**
     * Whether x's producer can absorb the division: LayerNormalization over the last axis, a Mul by
     * a constant, or an Add of a constant after a Mul by a constant that only it reads (constants
     * scalar or per channel).
     */
    private static boolean foldable(Graph g, Target t) {
        Node p = g.producer(t.value());
        return switch (p.opType()) {
            case "LayerNormalization" -> !t.convLayout() && p.getInt("axis", -1) == -1 && fitsChannels(g.initializer(p.input(1)), t)
                    && (!p.hasInput(2) || fitsChannels(g.initializer(p.input(2)), t));
            case "Mul" -> constantIndex(g, p) >= 0 && fitsChannels(g.initializer(p.input(constantIndex(g, p))), t);
            case "Add" -> {
                int c = constantIndex(g, p);
                Node mul = c < 0 ? null : g.producer(p.input(1 - c));
                yield mul != null && mul.opType().equals("Mul") && g.consumers(mul.output(0)).size() == 1
                        && !g.isGraphOutput(mul.output(0)) && constantIndex(g, mul) >= 0
                        && fitsChannels(g.initializer(p.input(c)), t) && fitsChannels(g.initializer(mul.input(constantIndex(g, mul))), t);
            }
            default -> false;
        };
    }

    /**
     * A LayerNorm's or an affine block's output (Mul then Add of constants): what the default run
     * smooths. A bare Mul by a constant is left to {@link Mode#FULL}: it ends decomposed GELUs, whose
     * output (MiniLM's FFN input) lost pooled cosine 0.993 → 0.985 when smoothed.
     */
    private static boolean isAffineBlock(Graph g, Target t) {
        String op = g.producer(t.value()).opType();
        return op.equals("LayerNormalization") || op.equals("Add");
    }

    /** Divides the producer's constants by s when the producer is affine with constants read only here. */
    private static boolean foldIntoProducer(Graph g, Target t, double[] s) {
        if (!foldable(g, t)) {
            return false;
        }
        Node p = g.producer(t.value());
        switch (p.opType()) {
            case "LayerNormalization" -> {
                divideConstant(g, p, 1, t, s);
                if (p.hasInput(2)) {
                    divideConstant(g, p, 2, t, s);
                }
            }
            case "Mul" -> divideConstant(g, p, constantIndex(g, p), t, s);
            default -> { // Add of a constant after a Mul by a constant
                int c = constantIndex(g, p);
                Node mul = g.producer(p.input(1 - c));
                divideConstant(g, p, c, t, s);
                divideConstant(g, mul, constantIndex(g, mul), t, s);
            }
        }
        return true;
    }

    private static int constantIndex(Graph g, Node n) {
        if (n.inputs().size() != 2) {
            return -1;
        }
        boolean c0 = g.initializer(n.input(0)) != null;
        boolean c1 = g.initializer(n.input(1)) != null;
        return c0 == c1 ? -1 : (c0 ? 0 : 1);
    }

    /** A constant that is a scalar or one value per channel along the target's channel axis. */
    private static boolean fitsChannels(Tensor c, Target t) {
        if (c == null || c.dtype() != DType.FLOAT) {
            return false;
        }
        return c.size() == 1 || (c.size() == t.channels() && channelShape(c.shapeRef(), t));
    }

    private static boolean channelShape(int[] shape, Target t) {
        if (t.convLayout()) {
            // [C, 1, 1] or [1, C, 1, 1] (broadcast against [N, C, H, W])
            return (shape.length == 3 && shape[0] == t.channels()) || (shape.length == 4 && shape[1] == t.channels());
        }
        return shape.length >= 1 && shape[shape.length - 1] == t.channels();
    }

    /** Replaces constant input {@code index} of {@code n} (scalar or per channel) by a copy divided per channel by s. */
    private static void divideConstant(Graph g, Node n, int index, Target t, double[] s) {
        Tensor c = g.initializer(n.input(index));
        float[] v = new float[t.channels()];
        for (int j = 0; j < v.length; j++) {
            v[j] = (float) (c.floats()[c.size() == 1 ? 0 : j] / s[j]);
        }
        String name = g.uniqueName(n.input(index) + "_smoothed");
        g.setInitializer(name, Tensor.of(v, t.convLayout() ? new int[] {v.length, 1, 1} : new int[] {v.length}));
        n.inputs().set(index, name);
    }

    /** x ← x · (1/s) by a new Mul read by every weighted reader. */
    private static void insertDivision(Graph g, Target t, double[] s) {
        float[] inv = new float[s.length];
        for (int j = 0; j < s.length; j++) {
            inv[j] = (float) (1 / s[j]);
        }
        String c = g.uniqueName(t.value() + "_smooth_scale");
        g.setInitializer(c, Tensor.of(inv, t.convLayout() ? new int[] {inv.length, 1, 1} : new int[] {inv.length}));
        String out = g.uniqueName(t.value() + "_smoothed");
        Node mul = new Node("Mul", g.uniqueName(t.value() + "_smooth"), new ArrayList<>(List.of(t.value(), c)),
                new ArrayList<>(List.of(out)));
        g.insertAfter(g.producer(t.value()), mul);
        for (Node r : t.readers()) {
            r.inputs().set(0, out);
        }
    }
}
