package dev.lowbit.grad;

import dev.lowbit.LowbitException;
import dev.lowbit.onnx.Node;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/** Backward rules keyed by ONNX op type (default domain); each family registers its own, like the forward OpRegistry. */
public final class GradRegistry {
    /** A group of related backward rules that registers itself. */
    public interface Family {
        void register(GradRegistry registry);
    }

    private static final GradRegistry STANDARD = build();

    private final Map<String, GradOp> ops = new TreeMap<>();

    private static GradRegistry build() {
        GradRegistry r = new GradRegistry();
        for (Family f : new Family[] {new ConvGrad(), new MatMulGrad(), new ElementwiseGrad(), new ActivationGrad(),
            new SoftmaxGrad(), new PoolGrad(), new ShapeGrad(), new NormGrad(), new FakeQuantGrad(), new ReduceGrad()}) {
            f.register(r);
        }
        return r;
    }

    /** Every backward rule lowbit ships. */
    public static GradRegistry standard() {
        return STANDARD;
    }

    public GradRegistry register(String opType, GradOp op) {
        ops.put(opType, op);
        return this;
    }

    public boolean supports(String opType) {
        return ops.containsKey(opType);
    }

    public Set<String> opTypes() {
        return ops.keySet();
    }

    /** The rule for {@code node}; fails with a one-line message when the op has none. */
    public GradOp get(Node node) {
        GradOp op = node.domain().isEmpty() ? ops.get(node.opType()) : null;
        if (op == null) {
            throw new LowbitException(node.label() + ": no gradient for op " + node.opType()
                    + (node.domain().isEmpty() ? "" : " of domain " + node.domain()));
        }
        return op;
    }
}
