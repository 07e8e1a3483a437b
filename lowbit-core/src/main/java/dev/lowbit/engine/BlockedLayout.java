package dev.lowbit.engine;

import dev.lowbit.exec.OpRegistry;
import dev.lowbit.onnx.Attribute;
import dev.lowbit.onnx.Graph;
import dev.lowbit.onnx.Node;
import dev.lowbit.ops.BlockedConvOps;
import dev.lowbit.ops.ConvForward;
import dev.lowbit.ops.QuantizedBlocks;
import dev.lowbit.tensor.DType;
import dev.lowbit.tensor.Tensor;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs MobileNet-style stacks of 1x1 and depthwise Convs on channel-blocked activations
 * ({@link BlockedConvOps}, the layout ONNX Runtime calls NCHWc): every such float Conv whose weights
 * and bias are constants becomes a {@code BlockedConv}; each connected group of them (joined by the
 * tensors one produces and another reads, residual inputs included) reads its inputs from the
 * rest of the graph through one {@code ToBlocks} per tensor and gives back, through
 * {@code FromBlocks}, every tensor read outside the group or returned by the graph (a
 * GlobalAveragePool that alone reads one, as classifiers end, reads the blocks instead). A
 * depthwise Conv whose output ops other than these Convs read stays on NCHW. Only groups
 * with a depthwise Conv and at least two Convs change: there the transposes the NCHW depthwise path
 * made around every layer vanish; a lone 1x1 Conv would only gain two conversions. Run after
 * {@link ResidualFusion} and {@link ActivationFusion}, so residual Adds and clamps come along.
 * Values are unchanged up to the depthwise kernel's summation order (within float rounding).
 *
 * <p>Quantized models take the same route ({@link QuantizedBlocks}): a QLinearConv of those shapes
 * becomes a requantizing BlockedConv over zero-point-shifted values, a QLinearAdd of two tensors of
 * one shape a ShiftedQLinearAdd, and a QLinearGlobalAveragePool reads the blocks; conversions
 * at the edges go from and to 8-bit tensors. Here values do not change at all (ONNX Runtime's
 * integer results, bit for bit), so a quantized member must read a tensor encoded (type, zero
 * point) as the member that made it wrote it, and a QLinearConv joins only when its accumulators
 * are exact in float32 for every input.
 */
final class BlockedLayout {
    /** {@code -Dlowbit.conv.blocked=false} keeps every Conv on NCHW (for measurements). */
    private static final boolean ENABLED = !"false".equals(System.getProperty("lowbit.conv.blocked"));

    private BlockedLayout() {
    }

    /** How an 8-bit tensor is held in blocks: its type, and the zero point its values are shifted by. */
    private record Encoding(DType type, int zeroPoint) {
    }

    /** A node that may run on blocks: a float or quantized 1x1 or depthwise Conv, or a quantized Add. */
    private record Member(boolean depthwise, Tensor weight, QuantizedBlocks.ConvForm conv, QuantizedBlocks.AddForm add) {
        boolean isConv() {
            return add == null;
        }

        boolean quantized() {
            return conv != null || add != null;
        }

        /** The 8-bit type and zero point of its output (quantized members only). */
        Encoding outputEncoding() {
            return conv != null ? new Encoding(conv.outputType(), conv.outputZeroPoint()) : new Encoding(add.type(), add.zeroC());
        }

        /** The type and zero point it expects of its input {@code i} (0, or 3 for an Add's B). */
        Encoding inputEncoding(int i) {
            if (conv != null) {
                return new Encoding(conv.inputType(), conv.inputZeroPoint());
            }
            return new Encoding(add.type(), i == 0 ? add.zeroA() : add.zeroB());
        }
    }

    static int apply(Graph g) {
        if (!ENABLED) {
            return 0;
        }
        // Every node's possible form, made once (a quantized Conv's shifts its whole weight).
        Map<Node, Member> forms = new IdentityHashMap<>();
        for (Node n : g.nodes()) {
            Member m = member(g, n);
            if (m != null) {
                forms.put(n, m);
            }
        }
        Map<Node, Member> members = candidates(g, forms);
        // A depthwise Conv whose output other ops read too (MobileNetV3's squeeze-and-excitation: a
        // pool and a Mul) would convert it back to NCHW right away, a transpose that costs what
        // blocks save; such a one stays on NCHW, where stride 1 runs in place without transposes.
        members.keySet().removeIf(n -> members.get(n).depthwise() && !readOnlyInBlocks(g, n.output(0), members));
        Map<Node, Node> root = new IdentityHashMap<>();
        members.keySet().forEach(n -> root.put(n, n));
        for (Node n : members.keySet()) {
            for (int i : blockedInputs(n)) {
                Node p = g.producer(n.input(i));
                if (p != null && members.containsKey(p)) {
                    root.put(find(root, p), find(root, n));
                }
            }
        }
        Map<Node, List<Node>> groups = new LinkedHashMap<>();
        for (Node n : g.nodes()) {
            if (members.containsKey(n)) {
                groups.computeIfAbsent(find(root, n), k -> new ArrayList<>()).add(n);
            }
        }
        int converted = 0;
        for (List<Node> group : groups.values()) {
            long convs = group.stream().filter(n -> members.get(n).isConv()).count();
            if (convs >= 2 && group.stream().anyMatch(n -> members.get(n).depthwise())) {
                convert(g, group, members);
                converted += group.size();
            }
        }
        return converted;
    }

    /**
     * Every node that may run on blocks, visited in execution order: float Convs as they come; a
     * quantized one only if it reads blocks encoded as it expects (type and zero point); a
     * QLinearAdd only if its inputs also have the same shape ({@link #shapeOf}).
     */
    private static Map<Node, Member> candidates(Graph g, Map<Node, Member> forms) {
        Map<Node, Member> members = new IdentityHashMap<>();
        Map<String, String> shapes = new HashMap<>();
        for (Node n : g.topologicalOrder()) {
            Member m = forms.get(n);
            if (m == null || (m.quantized() && !readsItsEncoding(g, n, m, members))) {
                continue;
            }
            if (m.add() != null && !shapeOf(g, n.input(0), members, forms, shapes)
                    .equals(shapeOf(g, n.input(3), members, forms, shapes))) {
                continue;
            }
            members.put(n, m);
        }
        return members;
    }

    private static Member member(Graph g, Node n) {
        if (isPointwise(g, n)) {
            return new Member(false, g.initializer(n.input(1)), null, null);
        }
        if (isDepthwise(g, n)) {
            return new Member(true, g.initializer(n.input(1)), null, null);
        }
        QuantizedBlocks.ConvForm conv = QuantizedBlocks.conv(g, n);
        if (conv != null && (isPointwiseShape(n, conv.weight()) || isDepthwiseShape(n, conv.weight()))) {
            return new Member(isDepthwiseShape(n, conv.weight()), conv.weight(), conv, null);
        }
        QuantizedBlocks.AddForm add = QuantizedBlocks.add(g, n);
        return add == null ? null : new Member(false, null, null, add);
    }

    /** Whether each blocked input of quantized {@code n} that a member makes is encoded as n reads it. */
    private static boolean readsItsEncoding(Graph g, Node n, Member m, Map<Node, Member> members) {
        for (int i : blockedInputs(n)) {
            Member p = members.get(g.producer(n.input(i)));
            if (p != null && (!p.quantized() || !p.outputEncoding().equals(m.inputEncoding(i)))) {
                return false;
            }
        }
        return true;
    }

    /**
     * A key equal for two values only if their shapes are: the value its spatial size and batch come
     * from unchanged (through 1x1 Convs, stride-1 depthwise Convs that keep the size, and Adds of
     * such values), with its channel count. A value members do not make has its own name as origin
     * and the channel count its Conv readers expect.
     */
    private static String shapeOf(Graph g, String value, Map<Node, Member> members, Map<Node, Member> forms,
            Map<String, String> shapes) {
        String known = shapes.get(value);
        if (known != null) {
            return known;
        }
        Node p = g.producer(value);
        Member m = p == null ? null : members.get(p);
        String shape;
        if (m == null) {
            shape = value + "#" + readersChannels(g, value, forms);
        } else if (m.add() != null) {
            shape = shapeOf(g, p.input(0), members, forms, shapes);
        } else {
            String origin = !m.depthwise() || keepsSize(p, m.weight()) ? shapeOf(g, p.input(0), members, forms, shapes)
                    : value + "#";
            shape = origin.substring(0, origin.lastIndexOf('#') + 1) + m.weight().dim(0);
        }
        shapes.put(value, shape);
        return shape;
    }

    /** The channels of a value a member makes (an Add's: its inputs', which are equal). */
    private static int channelsOf(Graph g, String value, Map<Node, Member> members) {
        Node p = g.producer(value);
        Member m = members.get(p);
        if (m == null) {
            return readersChannels(g, value, members);
        }
        if (m.isConv()) {
            return m.weight().dim(0);
        }
        int a = channelsOf(g, p.input(0), members);
        return a >= 0 ? a : channelsOf(g, p.input(3), members);
    }

    /** The input channels the Conv readers of {@code value} among {@code convs} expect, or -1 when none says. */
    private static int readersChannels(Graph g, String value, Map<Node, Member> convs) {
        for (Node c : g.consumers(value)) {
            Member m = convs.get(c);
            if (m != null && m.isConv() && c.input(0).equals(value)) {
                return m.depthwise() ? m.weight().dim(0) : m.weight().dim(1);
            }
        }
        return -1;
    }

    /** Whether a depthwise Conv's output has its input's height and width (stride 1, padding = span - 1). */
    private static boolean keepsSize(Node n, Tensor w) {
        int[] pads = n.getIntArray("pads", new int[4]);
        int[] dil = n.getIntArray("dilations", new int[] {1, 1});
        String autoPad = n.getString("auto_pad", "NOTSET");
        if (!allEqual(n.getIntArray("strides", null), 1)) {
            return false;
        }
        if (autoPad.startsWith("SAME")) {
            return true;
        }
        return autoPad.equals("NOTSET") && pads.length == 4 && pads[0] + pads[2] == (w.dim(2) - 1) * dil[0]
                && pads[1] + pads[3] == (w.dim(3) - 1) * dil[1];
    }

    private static Node find(Map<Node, Node> root, Node n) {
        while (root.get(n) != n) {
            n = root.get(n);
        }
        return n;
    }

    /** The inputs of a member that carry activations: X, a fused residual, an Add's A and B. */
    private static int[] blockedInputs(Node n) {
        if (n.opType().equals("QLinearAdd") || n.opType().equals(QuantizedBlocks.SHIFTED_ADD)) {
            return new int[] {0, 3};
        }
        return n.getInt(ConvForward.FUSED_ADD, 0) != 0 && n.inputs().size() > 3 ? new int[] {0, 3} : new int[] {0};
    }

    private static boolean readsInBlocks(Node c, String value) {
        for (int i : blockedInputs(c)) {
            if (c.input(i).equals(value)) {
                return true;
            }
        }
        return false;
    }

    private static void convert(Graph g, List<Node> group, Map<Node, Member> members) {
        Map<String, String> blocked = new HashMap<>();
        Map<String, Integer> channels = new HashMap<>();
        for (Node n : group) {
            String out = n.output(0);
            blocked.put(out, g.uniqueName(out + "/blocks"));
            channels.put(out, channelsOf(g, out, members));
        }
        // Readers outside the group (and graph outputs) get the NCHW tensor back under its own name.
        for (Node n : group) {
            Member m = members.get(n);
            String out = n.output(0);
            boolean readOutside = g.isGraphOutput(out)
                    || g.consumers(out).stream().anyMatch(c -> !group.contains(c) || !readsInBlocks(c, out));
            n.outputs().set(0, blocked.get(out));
            Node pool = soleAveragePool(g, out, m);
            if (pool != null) {
                // The mean per channel is read straight from the blocks: no conversion back at all.
                pool.inputs().set(0, blocked.get(out));
                pool.setOpType(m.quantized() ? QuantizedBlocks.AVERAGE_BLOCKS : BlockedConvOps.AVERAGE_BLOCKS);
                pool.setDomain(OpRegistry.ENGINE_DOMAIN);
                pool.set(Attribute.ofInt(BlockedConvOps.CHANNELS, channels.get(out)));
            } else if (readOutside) {
                Node back = new Node(BlockedConvOps.FROM_BLOCKS, OpRegistry.ENGINE_DOMAIN, n.name() + "/from_blocks",
                        new ArrayList<>(List.of(blocked.get(out))), new ArrayList<>(List.of(out)));
                back.set(Attribute.ofInt(BlockedConvOps.CHANNELS, channels.get(out)));
                if (m.quantized()) {
                    back.set(Attribute.ofInt(QuantizedBlocks.TO, m.outputEncoding().type().onnxCode()));
                    back.set(Attribute.ofInt(QuantizedBlocks.ZERO_POINT, m.outputEncoding().zeroPoint()));
                }
                g.insertAfter(n, back);
            }
        }
        Map<String, String> entered = new HashMap<>();
        for (Node n : group) {
            Member m = members.get(n);
            for (int i : blockedInputs(n)) {
                String in = n.input(i);
                String b = blocked.get(in);
                if (b == null) {
                    // An 8-bit tensor enters shifted by the zero point its reader expects.
                    String key = m.quantized() ? in + "#" + m.inputEncoding(i).zeroPoint() : in;
                    b = entered.get(key);
                    if (b == null) {
                        b = g.uniqueName(in + "/blocks");
                        entered.put(key, b);
                        Node to = new Node(BlockedConvOps.TO_BLOCKS, OpRegistry.ENGINE_DOMAIN, n.name() + "/to_blocks",
                                new ArrayList<>(List.of(in)), new ArrayList<>(List.of(b)));
                        if (m.quantized()) {
                            to.set(Attribute.ofInt(QuantizedBlocks.ZERO_POINT, m.inputEncoding(i).zeroPoint()));
                        }
                        g.insertBefore(n, to);
                    }
                }
                n.inputs().set(i, b);
            }
            if (m.conv() != null) {
                toFloatConv(g, n, m.conv());
            }
            n.setOpType(m.add() != null ? QuantizedBlocks.SHIFTED_ADD : BlockedConvOps.BLOCKED_CONV);
            n.setDomain(OpRegistry.ENGINE_DOMAIN);
        }
        foldAdds(g, group, members);
    }

    /**
     * Each quantized Add one of whose inputs only a requantizing 1x1 Conv of the group makes (a
     * MobileNetV2 block's projection) is folded into that Conv: it adds the other input to each
     * output tile while the tile is in cache, instead of a pass over both tensors. The Conv takes
     * the Add's place in the node order, where both of its inputs exist.
     */
    private static void foldAdds(Graph g, List<Node> group, Map<Node, Member> members) {
        for (Node add : group) {
            if (members.get(add).add() == null) {
                continue;
            }
            for (int i : new int[] {0, 3}) {
                String value = add.input(i);
                Node conv = g.producer(value);
                Member c = conv == null ? null : members.get(conv);
                if (c == null || c.conv() == null || c.depthwise() || !group.contains(conv) || g.readCount(value) != 1
                        || g.isGraphOutput(value)) {
                    continue;
                }
                conv.inputs().add(add.input(i == 0 ? 3 : 0));
                conv.set(Attribute.ofInt(ConvForward.FUSED_ADD, 1));
                conv.set(Attribute.ofFloats(QuantizedBlocks.RESIDUAL_ADD, QuantizedBlocks.residualAdd(g, add, i).toAttribute()));
                conv.outputs().set(0, add.output(0));
                g.removeNode(conv);
                g.insertBefore(add, conv);
                g.removeNode(add);
                break;
            }
        }
    }

    /** A QLinearConv's inputs and attributes made a requantizing float BlockedConv's. */
    private static void toFloatConv(Graph g, Node n, QuantizedBlocks.ConvForm form) {
        String w = g.uniqueName(n.input(3) + "/shifted");
        String b = g.uniqueName(n.name() + "/bias_float");
        g.setInitializer(w, form.weight());
        g.setInitializer(b, form.bias());
        String x = n.input(0);
        n.inputs().clear();
        n.inputs().addAll(List.of(x, w, b));
        n.attributes().remove(OpRegistry.CLAMP_LOW);
        n.attributes().remove(OpRegistry.CLAMP_HIGH);
        n.set(Attribute.ofFloat(ConvForward.FUSED_MIN, form.lo()));
        n.set(Attribute.ofFloat(ConvForward.FUSED_MAX, form.hi()));
        n.set(Attribute.ofFloats(QuantizedBlocks.REQUANTIZE, form.multipliers()));
    }

    /** Whether only candidate Convs (as X or residual) read {@code value}, or a GlobalAveragePool alone does. */
    private static boolean readOnlyInBlocks(Graph g, String value, Map<Node, Member> candidates) {
        if (g.isGraphOutput(value)) {
            return false;
        }
        return soleAveragePool(g, value, candidates.get(g.producer(value))) != null || g.consumers(value).stream()
                .allMatch(c -> candidates.containsKey(c) && readsInBlocks(c, value));
    }

    /**
     * The GlobalAveragePool that is the only reader of {@code value} (not a graph output), or null;
     * for a value {@code producer} makes quantized, a QLinearGlobalAveragePool expecting its encoding.
     */
    private static Node soleAveragePool(Graph g, String value, Member producer) {
        List<Node> readers = g.consumers(value);
        if (g.isGraphOutput(value) || readers.size() != 1 || g.readCount(value) != 1) {
            return null;
        }
        Node n = readers.get(0);
        if (producer != null && producer.quantized()) {
            Encoding e = producer.outputEncoding();
            return QuantizedBlocks.isAveragePool(g, n, e.type(), e.zeroPoint()) ? n : null;
        }
        return n.opType().equals("GlobalAveragePool") && n.domain().isEmpty() ? n : null;
    }

    /** A float 1x1 Conv, one group, stride 1, unpadded, constant weight and bias (a fused residual allowed). */
    private static boolean isPointwise(Graph g, Node n) {
        return isConv(g, n) && isPointwiseShape(n, g.initializer(n.input(1)));
    }

    /** A Conv with weight {@code w} that is 1x1, one group, stride 1 and unpadded. */
    private static boolean isPointwiseShape(Node n, Tensor w) {
        String autoPad = n.getString("auto_pad", "NOTSET");
        return n.getInt("group", 1) == 1 && w.dim(2) == 1 && w.dim(3) == 1 && allEqual(n.getIntArray("strides", null), 1)
                && allEqual(n.getIntArray("pads", null), 0) && (autoPad.equals("NOTSET") || autoPad.equals("VALID"));
    }

    /** A float depthwise Conv (weight [M, 1, kH, kW], M groups), constant weight and bias, no residual. */
    private static boolean isDepthwise(Graph g, Node n) {
        return isConv(g, n) && n.getInt(ConvForward.FUSED_ADD, 0) == 0 && isDepthwiseShape(n, g.initializer(n.input(1)));
    }

    /** A Conv with weight {@code w} [M, 1, kH, kW] in M groups (M > 1). */
    private static boolean isDepthwiseShape(Node n, Tensor w) {
        long group = n.getInt("group", 1);
        return w.dim(1) == 1 && w.dim(0) == group && group > 1;
    }

    /** A default-domain 2-D Conv with one output, a constant float 4-D weight and a constant bias or none. */
    private static boolean isConv(Graph g, Node n) {
        if (!n.opType().equals("Conv") || !n.domain().isEmpty() || n.outputs().size() != 1 || n.inputs().size() < 2
                || n.inputs().size() > (n.getInt(ConvForward.FUSED_ADD, 0) != 0 ? 4 : 3)) {
            return false;
        }
        Tensor w = g.initializer(n.input(1));
        if (w == null || w.dtype() != DType.FLOAT || w.rank() != 4) {
            return false;
        }
        if (n.hasInput(2)) {
            Tensor b = g.initializer(n.input(2));
            return b != null && b.dtype() == DType.FLOAT;
        }
        return true;
    }

    private static boolean allEqual(int[] values, int v) {
        if (values != null) {
            for (int x : values) {
                if (x != v) {
                    return false;
                }
            }
        }
        return true;
    }
}
