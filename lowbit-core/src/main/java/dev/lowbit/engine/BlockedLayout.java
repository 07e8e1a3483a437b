package dev.lowbit.engine;

import dev.lowbit.exec.OpRegistry;
import dev.lowbit.onnx.Attribute;
import dev.lowbit.onnx.Graph;
import dev.lowbit.onnx.Node;
import dev.lowbit.ops.BlockedConvOps;
import dev.lowbit.ops.ConvForward;
import dev.lowbit.tensor.DType;
import dev.lowbit.tensor.Tensor;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs MobileNet-style stacks of float 1x1 and depthwise Convs on channel-blocked activations
 * ({@link BlockedConvOps}, the layout ONNX Runtime calls NCHWc): every such Conv whose weights and
 * bias are constants becomes a {@code BlockedConv}; each connected group of them (joined by the
 * tensors one produces and another reads, residual inputs included) reads its inputs from the
 * rest of the graph through one {@code ToBlocks} per tensor and gives back, through
 * {@code FromBlocks}, every tensor read outside the group or returned by the graph (a
 * GlobalAveragePool that alone reads one, as classifiers end, reads the blocks instead). A
 * depthwise Conv whose output ops other than these Convs read stays on NCHW. Only groups
 * with a depthwise Conv and at least two Convs change: there the transposes the NCHW depthwise path
 * made around every layer vanish; a lone 1x1 Conv would only gain two conversions. Run after
 * {@link ResidualFusion} and {@link ActivationFusion}, so residual Adds and clamps come along.
 * Values are unchanged up to the depthwise kernel's summation order (within float rounding).
 */
final class BlockedLayout {
    /** {@code -Dlowbit.conv.blocked=false} keeps every Conv on NCHW (for measurements). */
    private static final boolean ENABLED = !"false".equals(System.getProperty("lowbit.conv.blocked"));

    private BlockedLayout() {
    }

    static int apply(Graph g) {
        if (!ENABLED) {
            return 0;
        }
        Map<Node, Boolean> depthwise = new IdentityHashMap<>();
        for (Node n : g.nodes()) {
            if (isPointwise(g, n)) {
                depthwise.put(n, false);
            } else if (isDepthwise(g, n)) {
                depthwise.put(n, true);
            }
        }
        // A depthwise Conv whose output other ops read too (MobileNetV3's squeeze-and-excitation: a
        // pool and a Mul) would convert it back to NCHW right away, a transpose that costs what
        // blocks save; such a one stays on NCHW, where stride 1 runs in place without transposes.
        depthwise.keySet().removeIf(n -> depthwise.get(n) && !readOnlyInBlocks(g, n.output(0), depthwise));
        Map<Node, Node> root = new IdentityHashMap<>();
        depthwise.keySet().forEach(n -> root.put(n, n));
        for (Node n : depthwise.keySet()) {
            for (String in : blockedInputs(n)) {
                Node p = g.producer(in);
                if (p != null && depthwise.containsKey(p)) {
                    root.put(find(root, p), find(root, n));
                }
            }
        }
        Map<Node, List<Node>> groups = new LinkedHashMap<>();
        for (Node n : g.nodes()) {
            if (depthwise.containsKey(n)) {
                groups.computeIfAbsent(find(root, n), k -> new ArrayList<>()).add(n);
            }
        }
        int converted = 0;
        for (List<Node> group : groups.values()) {
            if (group.size() >= 2 && group.stream().anyMatch(depthwise::get)) {
                convert(g, group);
                converted += group.size();
            }
        }
        return converted;
    }

    private static Node find(Map<Node, Node> root, Node n) {
        while (root.get(n) != n) {
            n = root.get(n);
        }
        return n;
    }

    /** The inputs of a Conv that carry activations: X, and a fused residual. */
    private static List<String> blockedInputs(Node n) {
        List<String> in = new ArrayList<>(List.of(n.input(0)));
        if (n.getInt(ConvForward.FUSED_ADD, 0) != 0 && n.inputs().size() > 3) {
            in.add(n.input(3));
        }
        return in;
    }

    private static void convert(Graph g, List<Node> group) {
        Map<String, String> blocked = new HashMap<>();
        Map<String, Integer> channels = new HashMap<>();
        for (Node n : group) {
            String out = n.output(0);
            blocked.put(out, g.uniqueName(out + "/blocks"));
            channels.put(out, g.initializer(n.input(1)).dim(0));
        }
        // Readers outside the group (and graph outputs) get the NCHW tensor back under its own name.
        for (Node n : group) {
            String out = n.output(0);
            boolean readOutside = g.isGraphOutput(out)
                    || g.consumers(out).stream().anyMatch(c -> !group.contains(c) || !blockedInputs(c).contains(out));
            n.outputs().set(0, blocked.get(out));
            Node pool = soleAveragePool(g, out);
            if (pool != null) {
                // The mean per channel is read straight from the blocks: no conversion back at all.
                pool.inputs().set(0, blocked.get(out));
                pool.setOpType(BlockedConvOps.AVERAGE_BLOCKS);
                pool.setDomain(OpRegistry.ENGINE_DOMAIN);
                pool.set(Attribute.ofInt(BlockedConvOps.CHANNELS, channels.get(out)));
            } else if (readOutside) {
                Node back = new Node(BlockedConvOps.FROM_BLOCKS, OpRegistry.ENGINE_DOMAIN, n.name() + "/from_blocks",
                        new ArrayList<>(List.of(blocked.get(out))), new ArrayList<>(List.of(out)));
                back.set(Attribute.ofInt(BlockedConvOps.CHANNELS, channels.get(out)));
                g.insertAfter(n, back);
            }
        }
        Map<String, String> entered = new HashMap<>();
        for (Node n : group) {
            for (int i : n.getInt(ConvForward.FUSED_ADD, 0) != 0 && n.inputs().size() > 3 ? new int[] {0, 3} : new int[] {0}) {
                String in = n.input(i);
                String b = blocked.get(in);
                if (b == null) {
                    b = entered.get(in);
                }
                if (b == null) {
                    b = g.uniqueName(in + "/blocks");
                    entered.put(in, b);
                    g.insertBefore(n, new Node(BlockedConvOps.TO_BLOCKS, OpRegistry.ENGINE_DOMAIN,
                            n.name() + "/to_blocks", new ArrayList<>(List.of(in)), new ArrayList<>(List.of(b))));
                }
                n.inputs().set(i, b);
            }
            n.setOpType(BlockedConvOps.BLOCKED_CONV);
            n.setDomain(OpRegistry.ENGINE_DOMAIN);
        }
    }

    /** Whether only candidate Convs (as X or residual) read {@code value}, or a GlobalAveragePool alone does. */
    private static boolean readOnlyInBlocks(Graph g, String value, Map<Node, Boolean> candidates) {
        if (g.isGraphOutput(value)) {
            return false;
        }
        return soleAveragePool(g, value) != null || g.consumers(value).stream()
                .allMatch(c -> candidates.containsKey(c) && blockedInputs(c).contains(value));
    }

    /** The GlobalAveragePool that is the only reader of {@code value} (not a graph output), or null. */
    private static Node soleAveragePool(Graph g, String value) {
        List<Node> readers = g.consumers(value);
        if (g.isGraphOutput(value) || readers.size() != 1 || g.readCount(value) != 1) {
            return null;
        }
        Node n = readers.get(0);
        return n.opType().equals("GlobalAveragePool") && n.domain().isEmpty() ? n : null;
    }

    /** A float 1x1 Conv, one group, stride 1, unpadded, constant weight and bias (a fused residual allowed). */
    private static boolean isPointwise(Graph g, Node n) {
        if (!isConv(g, n) || n.getInt("group", 1) != 1) {
            return false;
        }
        Tensor w = g.initializer(n.input(1));
        String autoPad = n.getString("auto_pad", "NOTSET");
        return w.dim(2) == 1 && w.dim(3) == 1 && allEqual(n.getIntArray("strides", null), 1)
                && allEqual(n.getIntArray("pads", null), 0) && (autoPad.equals("NOTSET") || autoPad.equals("VALID"));
    }

    /** A float depthwise Conv (weight [M, 1, kH, kW], M groups), constant weight and bias, no residual. */
    private static boolean isDepthwise(Graph g, Node n) {
        if (!isConv(g, n) || n.getInt(ConvForward.FUSED_ADD, 0) != 0) {
            return false;
        }
        Tensor w = g.initializer(n.input(1));
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
