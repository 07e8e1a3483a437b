package dev.lowbit.engine;

import dev.lowbit.export.QOperatorWriter;
import dev.lowbit.onnx.Graph;
import dev.lowbit.onnx.Node;
import dev.lowbit.tensor.DType;
import dev.lowbit.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;

/**
 * The graph rewrites ONNX Runtime's CPU execution provider applies to a QDQ model on x86-64 before
 * it picks node units and after, in its order
 * (optimizer/graph_transformer_utils.cc). Each one decides which units form, so lowbit runs the
 * same integer and float ops as ORT does:
 *
 * <ol>
 * <li>{@link QOperatorWriter#ensureUniqueDequantize} (EnsureUniqueDQForNodeUnit, level 1);
 * <li>{@link #dropActivationsBeforeQuantize} (ReluQuantFusion, ClipQuantFusion, level 2);
 * <li>{@link #unsignedActivations} (QDQS8ToU8Transformer, level 2, x86-64 only);
 * <li>the node units ({@link QOperatorWriter}, QDQSelectorActionTransformer);
 * <li>{@link #dropMatchingDequantizeQuantize} (QDQFinalCleanupTransformer).
 * </ol>
 *
 * All of them keep every value the model computes.
 */
final class OrtQdqRewrites {
    private OrtQdqRewrites() {
    }

    /**
     * A Relu before a QuantizeLinear whose zero point is the type's minimum, and a Clip whose range
     * the QuantizeLinear's covers to within float epsilon, are removed: saturation does their work
     * (relu_quantizelinear.cc, clip_quantizelinear.cc).
     */
    static void dropActivationsBeforeQuantize(Graph g) {
        for (Node act : new ArrayList<>(g.nodes())) {
            boolean relu = act.opType().equals("Relu");
            if ((!relu && !act.opType().equals("Clip")) || !act.domain().isEmpty() || g.isGraphOutput(act.output(0))) {
                continue;
            }
            List<Node> readers = g.consumers(act.output(0));
            if (readers.size() != 1 || !isQuantize(readers.get(0)) || g.readCount(act.output(0)) != 1) {
                continue;
            }
            Node q = readers.get(0);
            if (relu ? zeroPointIsMinimum(g, q) : clipCoveredByQuantize(g, act, q)) {
                q.inputs().set(0, act.input(0));
                g.removeNode(act);
            }
        }
    }

    private static boolean zeroPointIsMinimum(Graph g, Node q) {
        Tensor zp = q.inputs().size() == 3 ? g.initializer(q.input(2)) : null;
        return zp != null && zp.size() == 1 && (zp.dtype() == DType.UINT8 || zp.dtype() == DType.INT8)
                && zp.getLong(0) == zp.dtype().minValue();
    }

    /** ClipQuantFusion: both ends of the quantized range, {@code scale * (qmin - zp)} in float, within epsilon of Clip's. */
    private static boolean clipCoveredByQuantize(Graph g, Node clip, Node q) {
        double[] bounds = g.clipBounds(clip);
        Tensor scale = q.inputs().size() == 3 ? g.constant(q.input(1)) : null;
        Tensor zp = q.inputs().size() == 3 ? g.constant(q.input(2)) : null;
        if (bounds == null || scale == null || zp == null || scale.shapeRef().length != 0 || scale.dtype() != DType.FLOAT
                || zp.shapeRef().length != 0 || (zp.dtype() != DType.UINT8 && zp.dtype() != DType.INT8)) {
            return false;
        }
        float s = scale.floats()[0];
        int z = (int) zp.getLong(0);
        float lower = s * (float) ((int) zp.dtype().minValue() - z);
        float upper = s * (float) ((int) zp.dtype().maxValue() - z);
        float epsilon = Math.ulp(1.0f);
        return !(epsilon < (float) bounds[0] - lower || epsilon < upper - (float) bounds[1]);
    }

    /**
     * ORT's x86 integer kernels want uint8 activations: every int8 QuantizeLinear whose single
     * reader is a DequantizeLinear with the same zero point becomes a uint8 pair with the zero
     * point moved by 128 (qdq_transformer/qdq_s8_to_u8.cc). The pair's values are unchanged; a
     * QuantizeLinear read by several DequantizeLinear nodes stays int8.
     */
    static void unsignedActivations(Graph g) {
        for (Node q : g.topologicalOrder()) {
            if (!isQuantize(q) || q.inputs().size() != 3 || g.isGraphOutput(q.output(0)) || g.readCount(q.output(0)) != 1) {
                continue;
            }
            Node dq = g.consumers(q.output(0)).get(0);
            if (!isDequantize(dq) || dq.inputs().size() != 3) {
                continue;
            }
            Tensor qz = g.initializer(q.input(2));
            Tensor dz = g.initializer(dq.input(2));
            if (qz == null || dz == null || qz.size() != 1 || dz.size() != 1 || qz.dtype() != DType.INT8
                    || dz.dtype() != DType.INT8 || qz.getLong(0) != dz.getLong(0)) {
                continue;
            }
            Tensor u8 = Tensor.zeros(DType.UINT8, qz.shapeRef());
            u8.bytes()[0] = (byte) (qz.getLong(0) + 128);
            String name = g.uniqueName(q.input(2) + "_u8");
            g.setInitializer(name, u8);
            q.inputs().set(2, name);
            dq.inputs().set(2, name);
            g.valueInfos().remove(q.output(0)); // now uint8
        }
    }

    /**
     * A DequantizeLinear whose single reader is a QuantizeLinear with the same constant parameters
     * cancels out: both are removed (qdq_final_cleanup.cc, the DQ -> Q case ORT always runs).
     */
    static void dropMatchingDequantizeQuantize(Graph g) {
        for (Node dq : new ArrayList<>(g.nodes())) {
            if (!isDequantize(dq) || !g.nodes().contains(dq) || g.isGraphOutput(dq.output(0)) || g.readCount(dq.output(0)) != 1) {
                continue;
            }
            Node q = g.consumers(dq.output(0)).get(0);
            if (!isQuantize(q) || g.isGraphOutput(q.output(0)) || !QOperatorWriter.sameParameters(g, dq, q)) {
                continue;
            }
            g.rewire(q.output(0), dq.input(0));
            g.removeNode(dq);
            g.removeNode(q);
        }
    }

    private static boolean isQuantize(Node n) {
        return n.opType().equals("QuantizeLinear") && n.domain().isEmpty();
    }

    private static boolean isDequantize(Node n) {
        return n.opType().equals("DequantizeLinear") && n.domain().isEmpty();
    }
}
