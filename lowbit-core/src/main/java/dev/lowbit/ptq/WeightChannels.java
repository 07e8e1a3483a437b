package dev.lowbit.ptq;

import dev.lowbit.onnx.Node;
import dev.lowbit.tensor.Tensor;

/**
 * Which elements of a Conv or Gemm weight belong to each output channel and to each input
 * channel, so equalization and bias correction can scale or sum channel slices without caring
 * about layouts. Conv weights are [O, C/group, k...]: input channel i lives in group i/(C/group)
 * at position i%(C/group) and is read by that group's output channels only (for a depthwise conv,
 * channel i is both input and output channel i). Gemm weights are [N, K] (transB=1) or [K, N].
 */
final class WeightChannels {
    final int outChannels;
    final int inChannels;
    /** Flat weight indices of each output channel. */
    final int[][] out;
    /** Flat weight indices of each input channel. */
    final int[][] in;
    /** For each flat weight index, its input channel. */
    final int[] inChannelOf;
    /** For each flat weight index, its output channel. */
    final int[] outChannelOf;

    private WeightChannels(int outChannels, int inChannels, int size) {
        this.outChannels = outChannels;
        this.inChannels = inChannels;
        this.out = new int[outChannels][];
        this.in = new int[inChannels][];
        this.inChannelOf = new int[size];
        this.outChannelOf = new int[size];
    }

    /** The layout of {@code node}'s weight, or null when the node is not a plain Conv or Gemm. */
    static WeightChannels of(Node node, Tensor w) {
        return switch (node.opType()) {
            case "Conv" -> w.rank() >= 3 ? conv(w, (int) node.getInt("group", 1)) : null;
            case "Gemm" -> w.rank() == 2 && node.getInt("transA", 0) == 0
                    ? gemm(w, node.getInt("transB", 0) == 1) : null;
            default -> null;
        };
    }

    static WeightChannels conv(Tensor w, int group) {
        int[] s = w.shapeRef();
        int o = s[0];
        int cg = s[1];
        int k = w.size() / (o * cg);
        if (group < 1 || o % group != 0) {
            return null;
        }
        int og = o / group;
        WeightChannels l = new WeightChannels(o, cg * group, w.size());
        for (int oc = 0; oc < o; oc++) {
            l.out[oc] = new int[cg * k];
            for (int j = 0; j < cg * k; j++) {
                int idx = oc * cg * k + j;
                l.out[oc][j] = idx;
                l.outChannelOf[idx] = oc;
                l.inChannelOf[idx] = (oc / og) * cg + j / k;
            }
        }
        for (int ic = 0; ic < cg * group; ic++) {
            int g = ic / cg;
            int j = ic % cg;
            l.in[ic] = new int[og * k];
            int p = 0;
            for (int oc = g * og; oc < (g + 1) * og; oc++) {
                for (int t = 0; t < k; t++) {
                    l.in[ic][p++] = oc * cg * k + j * k + t;
                }
            }
        }
        return l;
    }

    static WeightChannels gemm(Tensor w, boolean transB) {
        int rows = w.dim(0);
        int cols = w.dim(1);
        int n = transB ? rows : cols;
        int k = transB ? cols : rows;
        WeightChannels l = new WeightChannels(n, k, w.size());
        for (int a = 0; a < n; a++) {
            l.out[a] = new int[k];
        }
        for (int b = 0; b < k; b++) {
            l.in[b] = new int[n];
        }
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                int idx = r * cols + c;
                int oc = transB ? r : c;
                int ic = transB ? c : r;
                l.out[oc][ic] = idx;
                l.in[ic][oc] = idx;
                l.outChannelOf[idx] = oc;
                l.inChannelOf[idx] = ic;
            }
        }
        return l;
    }

    static double maxAbs(double[] w, int[] idx) {
        double m = 0;
        for (int i : idx) {
            m = Math.max(m, Math.abs(w[i]));
        }
        return m;
    }
}
