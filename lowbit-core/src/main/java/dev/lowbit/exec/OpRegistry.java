package dev.lowbit.exec;

import dev.lowbit.UnsupportedOpException;
import dev.lowbit.onnx.Node;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.TreeMap;

/**
 * Operator implementations keyed by domain and ONNX op type. {@link #standard()} holds every op
 * lowbit ships; each op family (a class in {@code dev.lowbit.ops}, gathered by its
 * {@code StandardOps}) registers its own ops.
 */
public final class OpRegistry {
    /** A group of related ops that registers itself. */
    public interface Family {
        void register(OpRegistry registry);
    }

    /**
     * The domain of ops lowbit's engine creates itself when it rewrites a graph for execution
     * (never written to a file): their values are the ones the ops they replace compute.
     */
    public static final String ENGINE_DOMAIN = "dev.lowbit.engine";

    /**
     * Integer attributes the engine sets on an 8-bit producing op (QLinearConv, QLinearAdd and
     * QLinearMul, QuantizeLinear, the Requantize tables) when it folds a byte clamp into it: the output saturates to [low, high] instead of the
     * type's range. Never written to a file.
     */
    public static final String CLAMP_LOW = "lowbit_clamp_low";
    public static final String CLAMP_HIGH = "lowbit_clamp_high";

    /**
     * Integer attribute the engine sets on a QLinearAdd when it folds the Requantize table reading
     * its output into it: 1 for Requantize, 2 for RequantizeRelu; the table's X_scale, X_zero_point,
     * Y_scale and Y_zero_point are then the Add's inputs 8 to 11, and its output has the table's
     * type. Never written to a file.
     */
    public static final String OUTPUT_TABLE = "lowbit_output_table";

    private record Entry(int sinceOpset, OpFactory factory) {
    }

    private final Map<String, Entry> entries = new TreeMap<>();

    private static final OpRegistry STANDARD = build();

    /**
     * Families are found with {@link ServiceLoader} ({@code META-INF/services/dev.lowbit.exec.OpRegistry$Family}),
     * so that the executor does not depend on the op implementations (they depend on it) and other
     * jars on the class path can add ops.
     */
    private static OpRegistry build() {
        OpRegistry r = new OpRegistry();
        for (Family f : ServiceLoader.load(Family.class, OpRegistry.class.getClassLoader())) {
            f.register(r);
        }
        if (r.entries.isEmpty()) {
            throw new IllegalStateException("no op families found: META-INF/services/" + Family.class.getName()
                    + " is missing from the class path");
        }
        return r;
    }

    /** The registry of every op lowbit implements. */
    public static OpRegistry standard() {
        return STANDARD;
    }

    /** Registers an op of the default ONNX domain, valid from opset 1. */
    public OpRegistry register(String opType, OpFactory f) {
        return register("", opType, 1, f);
    }

    /** Registers an op of {@code domain} valid from {@code sinceOpset} on. */
    public OpRegistry register(String domain, String opType, int sinceOpset, OpFactory f) {
        entries.put(key(domain, opType), new Entry(sinceOpset, f));
        return this;
    }

    public boolean supports(String domain, String opType) {
        return entries.containsKey(key(domain, opType));
    }

    /** Every registered op as "domain:OpType" ("OpType" for the default domain). */
    public Set<String> opTypes() {
        return entries.keySet();
    }

    /**
     * Creates the op for {@code node}; throws {@link UnsupportedOpException} naming the op type,
     * the node and the opset when lowbit lacks it.
     */
    public Op create(OpContext ctx) {
        Node n = ctx.node();
        Entry e = entries.get(key(n.domain(), n.opType()));
        if (e == null || ctx.opset() < e.sinceOpset) {
            String dom = n.domain().isEmpty() ? "" : n.domain() + ".";
            throw new UnsupportedOpException("unsupported op " + dom + n.opType() + " in node '"
                    + (n.name().isEmpty() ? n.outputs().get(0) : n.name()) + "' (opset " + ctx.opset() + ")");
        }
        return e.factory.create(ctx);
    }

    private static String key(String domain, String opType) {
        String d = domain == null || domain.equals("ai.onnx") ? "" : domain;
        return d.isEmpty() ? opType : d + ":" + opType;
    }
}
