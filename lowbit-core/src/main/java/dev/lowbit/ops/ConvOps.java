package dev.lowbit.ops;

import dev.lowbit.exec.OpContext;
import dev.lowbit.exec.OpRegistry;
import dev.lowbit.onnx.Node;
import java.util.Arrays;

/**
 * Conv and ConvTranspose (opsets 1-21, 1-D to 3-D, groups, dilations, strides, pads, auto_pad).
 * This class parses the shared attributes; {@link ConvForward} and {@link ConvTransposeForward} run.
 */
public final class ConvOps implements OpRegistry.Family {
    @Override
    public void register(OpRegistry r) {
        r.register("Conv", ConvForward::create);
        r.register("ConvTranspose", ConvTransposeForward::create);
        BlockedConvOps.register(r);
        QuantizedBlocks.register(r);
    }

    /** The attributes Conv and ConvTranspose share, validated at load time. */
    record ConvAttributes(String autoPad, int group, int[] kernelShape, int[] strides, int[] dilations,
            int[] pads) {

        static ConvAttributes parse(OpContext ctx) {
            Node n = ctx.node();
            String autoPad = n.getString("auto_pad", "NOTSET");
            if (!Arrays.asList("NOTSET", "SAME_UPPER", "SAME_LOWER", "VALID").contains(autoPad)) {
                throw ctx.unsupported("auto_pad " + autoPad);
            }
            int group = (int) n.getInt("group", 1);
            if (group < 1) {
                throw ctx.unsupported("group " + group);
            }
            ConvAttributes a = new ConvAttributes(autoPad, group, n.getIntArray("kernel_shape", null),
                    n.getIntArray("strides", null), n.getIntArray("dilations", null), n.getIntArray("pads", null));
            for (int[] v : new int[][] {a.strides, a.dilations}) {
                if (v != null && Arrays.stream(v).anyMatch(x -> x < 1)) {
                    throw ctx.unsupported("strides and dilations must be >= 1, got " + Arrays.toString(v));
                }
            }
            if (a.pads != null && Arrays.stream(a.pads).anyMatch(x -> x < 0)) {
                throw ctx.unsupported("negative pads " + Arrays.toString(a.pads));
            }
            return a;
        }

        /** Spatial kernel extent: the attribute if given, else the weight's trailing dimensions. */
        int[] kernel(int[] weightShape, String node) {
            int[] fromWeight = Arrays.copyOfRange(weightShape, 2, weightShape.length);
            if (kernelShape != null && !Arrays.equals(kernelShape, fromWeight)) {
                throw new IllegalArgumentException(node + ": kernel_shape " + Arrays.toString(kernelShape)
                        + " does not match weight shape " + Arrays.toString(weightShape));
            }
            return fromWeight;
        }

        int[] strides(int rank) {
            return orOnes(strides, rank, "strides");
        }

        int[] dilations(int rank) {
            return orOnes(dilations, rank, "dilations");
        }

        /** Explicit pads as [begin..., end...] (zeros when absent). */
        int[] explicitPads(int rank) {
            if (pads == null) {
                return new int[2 * rank];
            }
            if (pads.length != 2 * rank) {
                throw new IllegalArgumentException("pads has " + pads.length + " values, expected " + 2 * rank);
            }
            return pads;
        }

        private static int[] orOnes(int[] v, int rank, String what) {
            if (v == null) {
                int[] ones = new int[rank];
                Arrays.fill(ones, 1);
                return ones;
            }
            if (v.length != rank) {
                throw new IllegalArgumentException(what + " has " + v.length + " values, expected " + rank);
            }
            return v;
        }
    }
}
