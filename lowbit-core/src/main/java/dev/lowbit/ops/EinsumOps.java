package dev.lowbit.ops;

import dev.lowbit.exec.Op;
import dev.lowbit.exec.OpContext;
import dev.lowbit.exec.OpRegistry;
import dev.lowbit.UnsupportedOpException;
import dev.lowbit.tensor.Parallel;
import dev.lowbit.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/**
 * Einsum (opset 12) by a general strided loop: every label gets a size and, per operand, a stride
 * (repeated labels in one operand add their strides, which gives diagonals; size-1 dims broadcast
 * with stride 0). Output labels are iterated in parallel, the summed labels inside. Accumulates in
 * double. Ellipsis dims get labels 256+k, aligned from the right across operands. Two-operand
 * float contractions that are a batched matrix product take {@link EinsumMatmul} instead.
 */
final class EinsumOps implements OpRegistry.Family {
    private static final int ELLIPSIS = 256;

    @Override
    public void register(OpRegistry r) {
        r.register("", "Einsum", 12, EinsumOps::create);
    }

    private static Op create(OpContext ctx) {
        String eq = ctx.node().getString("equation", "").replace(" ", "");
        if (eq.isEmpty()) {
            throw ctx.unsupported("missing equation");
        }
        return in -> {
            for (Tensor t : in) {
                if (!t.dtype().isFloatingPoint() && !t.dtype().isInteger()) {
                    throw new UnsupportedOpException("Einsum: unsupported data type " + t.dtype().onnxName());
                }
            }
            Tensor fast = EinsumMatmul.tryRun(parse(eq, in), in);
            return new Tensor[] {fast != null ? fast : einsum(eq, in)};
        };
    }

    /** The labels of each operand (expanded ellipsis) and of the output. */
    record Parsed(int[][] operands, int[] output) {
    }

    static Parsed parse(String eq, Tensor[] in) {
        int arrow = eq.indexOf("->");
        String lhs = arrow < 0 ? eq : eq.substring(0, arrow);
        String[] terms = lhs.split(",", -1);
        if (terms.length != in.length) {
            throw new UnsupportedOpException("Einsum: equation has " + terms.length + " operands, got " + in.length);
        }
        int maxEll = 0;
        int[][] ops = new int[terms.length][];
        for (int i = 0; i < terms.length; i++) {
            String t = terms[i];
            int letters = t.replace("...", "").length();
            int ell = t.contains("...") ? in[i].rank() - letters : 0;
            if (ell < 0 || (!t.contains("...") && letters != in[i].rank())) {
                throw new UnsupportedOpException("Einsum: term '" + t + "' does not match rank " + in[i].rank());
            }
            maxEll = Math.max(maxEll, ell);
            ops[i] = expand(t, ell, -1);
        }
        // ellipsis labels are aligned from the right: an operand with fewer dims uses the last ones
        for (int i = 0; i < terms.length; i++) {
            int ell = terms[i].contains("...") ? in[i].rank() - terms[i].replace("...", "").length() : 0;
            ops[i] = expand(terms[i], ell, maxEll);
        }
        int[] out;
        if (arrow >= 0) {
            out = expand(eq.substring(arrow + 2), maxEll, maxEll);
        } else {
            int[] counts = new int[128];
            for (String t : terms) {
                for (char c : t.replace("...", "").toCharArray()) {
                    counts[c]++;
                }
            }
            List<Integer> o = new ArrayList<>();
            for (int k = 0; k < maxEll; k++) {
                o.add(ELLIPSIS + k);
            }
            TreeSet<Character> once = new TreeSet<>();
            for (int c = 0; c < 128; c++) {
                if (counts[c] == 1) {
                    once.add((char) c);
                }
            }
            once.forEach(c -> o.add((int) c));
            out = o.stream().mapToInt(Integer::intValue).toArray();
        }
        return new Parsed(ops, out);
    }

    private static int[] expand(String term, int ell, int maxEll) {
        List<Integer> labels = new ArrayList<>();
        for (int i = 0; i < term.length(); i++) {
            if (term.startsWith("...", i)) {
                for (int k = 0; k < ell; k++) {
                    labels.add(ELLIPSIS + (maxEll < 0 ? k : maxEll - ell + k));
                }
                i += 2;
            } else {
                char c = term.charAt(i);
                if (!Character.isLetter(c) || c > 127) {
                    throw new UnsupportedOpException("Einsum: bad label '" + c + "'");
                }
                labels.add((int) c);
            }
        }
        return labels.stream().mapToInt(Integer::intValue).toArray();
    }

    static Tensor einsum(String eq, Tensor[] in) {
        Parsed p = parse(eq, in);
        int[] size = new int[ELLIPSIS + 64];
        java.util.Arrays.fill(size, -1);
        for (int i = 0; i < in.length; i++) {
            for (int a = 0; a < p.operands[i].length; a++) {
                int l = p.operands[i][a];
                int d = in[i].dim(a);
                if (size[l] < 0 || size[l] == 1) {
                    size[l] = d;
                } else if (d != size[l] && d != 1) {
                    throw new UnsupportedOpException("Einsum: label sizes disagree (" + d + " vs " + size[l] + ")");
                }
            }
        }
        List<Integer> summed = new ArrayList<>();
        for (int[] op : p.operands) {
            for (int l : op) {
                if (!contains(p.output, l) && !summed.contains(l)) {
                    summed.add(l);
                }
            }
        }
        int[] outShape = new int[p.output.length];
        for (int a = 0; a < outShape.length; a++) {
            if (size[p.output[a]] < 0) {
                throw new UnsupportedOpException("Einsum: output label not in any operand");
            }
            outShape[a] = size[p.output[a]];
        }
        int[] sumLabels = summed.stream().mapToInt(Integer::intValue).toArray();
        int[] sumSize = new int[sumLabels.length];
        for (int k = 0; k < sumLabels.length; k++) {
            sumSize[k] = size[sumLabels[k]];
        }
        int n = in.length;
        int[][] outStride = new int[n][outShape.length];
        int[][] sumStride = new int[n][sumLabels.length];
        for (int i = 0; i < n; i++) {
            int[] st = dev.lowbit.tensor.Shapes.strides(in[i].shapeRef());
            for (int a = 0; a < p.operands[i].length; a++) {
                int l = p.operands[i][a];
                int s = in[i].dim(a) == 1 ? 0 : st[a];
                for (int o = 0; o < outShape.length; o++) {
                    if (p.output[o] == l) {
                        outStride[i][o] += s;
                    }
                }
                for (int k = 0; k < sumLabels.length; k++) {
                    if (sumLabels[k] == l) {
                        sumStride[i][k] += s;
                    }
                }
            }
        }
        double[][] data = new double[n][];
        for (int i = 0; i < n; i++) {
            data[i] = new double[in[i].size()];
            for (int e = 0; e < data[i].length; e++) {
                data[i][e] = in[i].getDouble(e);
            }
        }
        int total = dev.lowbit.tensor.Shapes.size(outShape);
        long sumCount = 1;
        for (int s : sumSize) {
            sumCount *= s;
        }
        double[] result = new double[total];
        int inner = (int) sumCount;
        Parallel.forRange(total, Math.max(1, 4096 / Math.max(1, inner)), (start, end) -> {
            int[] base = new int[n];
            int[] off = new int[n];
            int[] idx = new int[sumLabels.length];
            for (int e = start; e < end; e++) {
                java.util.Arrays.fill(base, 0);
                int rem = e;
                for (int o = outShape.length - 1; o >= 0; o--) {
                    int c = rem % outShape[o];
                    rem /= outShape[o];
                    for (int i = 0; i < n; i++) {
                        base[i] += c * outStride[i][o];
                    }
                }
                java.util.Arrays.fill(idx, 0);
                System.arraycopy(base, 0, off, 0, n);
                double acc = 0;
                for (int s = 0; s < inner; s++) {
                    double prod = 1;
                    for (int i = 0; i < n; i++) {
                        prod *= data[i][off[i]];
                    }
                    acc += prod;
                    // odometer over the summed labels, updating offsets incrementally
                    for (int k = sumLabels.length - 1; k >= 0; k--) {
                        if (++idx[k] < sumSize[k]) {
                            for (int i = 0; i < n; i++) {
                                off[i] += sumStride[i][k];
                            }
                            break;
                        }
                        idx[k] = 0;
                        for (int i = 0; i < n; i++) {
                            off[i] -= (sumSize[k] - 1) * sumStride[i][k];
                        }
                    }
                }
                result[e] = acc;
            }
        });
        Tensor out = Tensor.zeros(in[0].dtype(), outShape);
        for (int e = 0; e < total; e++) {
            if (in[0].dtype().isFloatingPoint()) {
                out.setDouble(e, result[e]);
            } else {
                out.setLong(e, Math.round(result[e]));
            }
        }
        return out;
    }

    private static boolean contains(int[] a, int v) {
        for (int x : a) {
            if (x == v) {
                return true;
            }
        }
        return false;
    }
}
