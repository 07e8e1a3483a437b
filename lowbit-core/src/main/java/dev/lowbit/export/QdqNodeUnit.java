package dev.lowbit.export;

import dev.lowbit.onnx.Graph;
import dev.lowbit.onnx.Node;
import dev.lowbit.tensor.DType;
import dev.lowbit.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;

/**
 * A QDQ node unit as ONNX Runtime forms them ({@code NodeGroupSelector::GetQDQSelection} and
 * {@code CheckQDQNodes}, optimizer/qdq_transformer/selectors_actions/qdq_selectors.cc, and
 * {@code NodeGroup::CanCreateNodeGroup}, framework/node_unit.cc): a target node whose quantized
 * inputs each come from a DequantizeLinear read by nothing else, and whose one output goes to a
 * single QuantizeLinear, possibly through a Relu or Clip that the QuantizeLinear's saturation makes
 * redundant. Neither the target's output nor a DequantizeLinear's is a graph output.
 *
 * @param dq the DequantizeLinear feeding each target input, null for an input without one
 * @param q the QuantizeLinear ending the unit, null when the target's output is not quantized
 * @param activation the redundant Relu or Clip between target and q, or null
 */
record QdqNodeUnit(Node target, Node[] dq, Node q, Node activation) {
    /**
     * The unit around {@code target}, or null when ORT would form none. {@code quantizedInputs}
     * lists the inputs that must come from a DequantizeLinear (for variadic ops, every input);
     * {@code optionalInputs} may come from one or be absent. With {@code requireQ} false a target
     * whose output has no QuantizeLinear still forms a unit (Gemm's float-output case).
     */
    static QdqNodeUnit find(Graph g, Node target, int[] quantizedInputs, int[] optionalInputs, boolean requireQ) {
        Node[] dq = new Node[target.inputs().size()];
        for (int i : quantizedInputs) {
            if (!target.hasInput(i) || (dq[i] = uniqueDequantize(g, target, i)) == null) {
                return null;
            }
        }
        for (int i : optionalInputs) {
            if (target.hasInput(i) && (dq[i] = uniqueDequantize(g, target, i)) == null) {
                return null;
            }
        }
        if (target.outputs().size() != 1 || g.isGraphOutput(target.output(0))) {
            return null;
        }
        String out = target.output(0);
        List<Node> readers = g.consumers(out);
        Node activation = null;
        if (g.readCount(out) == 1 && isClip(readers.get(0)) && g.readCount(readers.get(0).output(0)) == 1
                && !g.isGraphOutput(readers.get(0).output(0))) {
            activation = readers.get(0);
            readers = g.consumers(activation.output(0));
        }
        Node q = readers.size() == 1 && isQuantize(readers.get(0)) ? readers.get(0) : null;
        if (q == null) {
            // an activation with no QuantizeLinear after it is not part of the unit
            return !requireQ && activation == null && !readers.isEmpty() && readers.stream().noneMatch(QdqNodeUnit::isQuantize)
                    ? new QdqNodeUnit(target, dq, null, null) : null;
        }
        if (g.readCount((activation == null ? target : activation).output(0)) != 1) {
            return null;
        }
        if (activation != null && !clipMadeRedundantBy(g, activation, q)) {
            return null;
        }
        return new QdqNodeUnit(target, dq, q, activation);
    }

    /** The DequantizeLinear feeding input {@code i} of {@code target} if target is all it feeds. */
    private static Node uniqueDequantize(Graph g, Node target, int i) {
        Node p = g.producer(target.input(i));
        if (p == null || !p.opType().equals("DequantizeLinear") || !p.domain().isEmpty()
                || g.isGraphOutput(p.output(0)) || g.readCount(p.output(0)) != 1) {
            return null;
        }
        return p;
    }

    static boolean isQuantize(Node n) {
        return n.opType().equals("QuantizeLinear") && n.domain().isEmpty();
    }

    private static boolean isClip(Node n) {
        return (n.opType().equals("Relu") || n.opType().equals("Clip")) && n.domain().isEmpty();
    }

    /**
     * The element type a QuantizeLinear writes or a DequantizeLinear reads, or null if unknown: the
     * zero point's; without one, a DequantizeLinear's constant input's or its QuantizeLinear's, and
     * uint8 for a QuantizeLinear (the ONNX default).
     */
    static DType quantizedType(Graph g, Node qOrDq) {
        if (qOrDq.hasInput(2)) {
            Tensor zp = g.constant(qOrDq.input(2));
            return zp == null ? null : zp.dtype();
        }
        if (isQuantize(qOrDq)) {
            return DType.UINT8;
        }
        Tensor x = g.constant(qOrDq.input(0));
        if (x != null) {
            return x.dtype();
        }
        Node p = g.producer(qOrDq.input(0));
        return p != null && isQuantize(p) ? quantizedType(g, p) : null;
    }

    /** The type a unit's input {@code i} has in the integer graph (its DequantizeLinear's input). */
    DType inputType(Graph g, int i) {
        return quantizedType(g, dq[i]);
    }

    DType outputType(Graph g) {
        return quantizedType(g, q);
    }

    /** The unit's DequantizeLinear nodes, in input order. */
    List<Node> dequantizers() {
        List<Node> out = new ArrayList<>();
        for (Node d : dq) {
            if (d != null) {
                out.add(d);
            }
        }
        return out;
    }

    /**
     * {@code IsClipMadeRedundantByQ} (optimizer/qdq_transformer/qdq_util.cc): a Relu when the zero
     * point is the type's minimum; a Clip whose bounds, quantized as {@code (int) rint(bound / scale)
     * + zp} in float, reach past both ends of the type.
     */
    static boolean clipMadeRedundantBy(Graph g, Node clip, Node q) {
        Tensor scale = q.hasInput(1) ? g.constant(q.input(1)) : null;
        Tensor zp = q.hasInput(2) ? g.constant(q.input(2)) : null;
        if (scale == null || scale.size() != 1 || scale.shapeRef().length != 0 || scale.dtype() != DType.FLOAT
                || (zp != null && (zp.size() != 1 || zp.shapeRef().length != 0))) {
            return false;
        }
        DType t = zp == null ? DType.UINT8 : zp.dtype();
        if (t != DType.UINT8 && t != DType.INT8 && t != DType.UINT16 && t != DType.INT16) {
            return false;
        }
        int z = zp == null ? 0 : (int) zp.getLong(0);
        int min = (int) t.minValue();
        int max = (int) t.maxValue();
        if (clip.opType().equals("Relu")) {
            return z == min;
        }
        double[] bounds = g.clipBounds(clip);
        if (bounds == null) {
            return false;
        }
        float s = scale.floats()[0];
        int qmin = truncate(Math.rint((float) bounds[0] / s)) + z;
        int qmax = truncate(Math.rint((float) bounds[1] / s)) + z;
        return qmin <= min && qmax >= max;
    }

    /** C's {@code static_cast<int32_t>(double)} as x86 executes it (CVTTSD2SI): NaN and overflow give INT_MIN. */
    private static int truncate(double v) {
        return v >= -2147483648.0 && v < 2147483648.0 ? (int) v : Integer.MIN_VALUE;
    }
}
