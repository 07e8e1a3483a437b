package dev.lowbit.ops;

import dev.lowbit.exec.Op;
import dev.lowbit.exec.OpContext;
import dev.lowbit.exec.OpRegistry;
import dev.lowbit.UnsupportedOpException;
import dev.lowbit.tensor.DType;
import dev.lowbit.tensor.Tensor;
import dev.lowbit.tensor.kernels.Gemm;
import java.util.List;
import java.util.Locale;

/**
 * RNN, GRU and LSTM (float). The input projection X·Wᵀ of the whole sequence is one GEMM per
 * direction; each time step then does the small H·Rᵀ GEMM and the gate arithmetic
 * ({@link RecurrentCells}). Internally everything is time-major ([seq, batch, ...]); layout 1
 * (opset 14) is transposed on the way in and out.
 */
final class RecurrentOps implements OpRegistry.Family {
    /** Gate count and activations per direction of each cell, with the spec's default activations. */
    enum Cell {
        RNN(1, List.of("Tanh")), GRU(3, List.of("Sigmoid", "Tanh")), LSTM(4, List.of("Sigmoid", "Tanh", "Tanh"));

        final int gates;
        final List<String> defaults;

        Cell(int gates, List<String> defaults) {
            this.gates = gates;
            this.defaults = defaults;
        }
    }

    /** A gate activation; clipping (when set) is applied to its argument first. */
    interface Activation {
        float apply(float x);
    }

    /** Everything a direction needs at run time. */
    record Spec(Cell cell, int hidden, int layout, float clip, boolean linearBeforeReset, Activation[][] acts) {
        float act(int dir, int which, float x) {
            return acts[dir][which].apply(clip > 0 ? Math.max(-clip, Math.min(clip, x)) : x);
        }
    }

    @Override
    public void register(OpRegistry r) {
        for (Cell c : Cell.values()) {
            r.register(c.name(), ctx -> create(ctx, c));
        }
    }

    private static Op create(OpContext ctx, Cell cell) {
        var n = ctx.node();
        String direction = n.getString("direction", "forward");
        int dirs = switch (direction) {
            case "forward", "reverse" -> 1;
            case "bidirectional" -> 2;
            default -> throw ctx.unsupported("direction '" + direction + "'");
        };
        boolean reverseOnly = direction.equals("reverse");
        int layout = ctx.opset() >= 14 ? (int) n.getInt("layout", 0) : 0;
        if (layout != 0 && layout != 1) {
            throw ctx.unsupported("layout " + layout);
        }
        if (n.getInt("input_forget", 0) != 0) {
            throw ctx.unsupported("input_forget=1");
        }
        if (n.has("activation_alpha") || n.has("activation_beta")) {
            throw ctx.unsupported("activation_alpha/activation_beta");
        }
        List<String> names = n.getStrings("activations", null);
        int per = cell.defaults.size();
        if (names != null && names.size() != per * dirs) {
            throw ctx.unsupported(names.size() + " activations for " + dirs + " direction(s)");
        }
        Activation[][] acts = new Activation[dirs][per];
        for (int d = 0; d < dirs; d++) {
            for (int a = 0; a < per; a++) {
                String name = names == null ? cell.defaults.get(a) : names.get(d * per + a);
                acts[d][a] = activation(ctx, name);
            }
        }
        float clip = n.has("clip") ? n.getFloat("clip", 0f) : 0f;
        int hidden = (int) n.getInt("hidden_size", -1);
        boolean lbr = n.getInt("linear_before_reset", 0) != 0;
        return in -> {
            for (int i = 0; i < in.length && i < 8; i++) {
                if (in[i] != null && i != 4 && in[i].dtype() != DType.FLOAT) {
                    throw new UnsupportedOpException(cell + ": unsupported data type " + in[i].dtype().onnxName());
                }
            }
            int h = hidden > 0 ? hidden : in[2].dim(2);
            Spec spec = new Spec(cell, h, layout, clip, lbr, acts);
            return RecurrentCells.run(spec, dirs, reverseOnly, in);
        };
    }

    private static Activation activation(OpContext ctx, String name) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "tanh" -> x -> (float) Math.tanh(x);
            case "sigmoid" -> x -> (float) (1.0 / (1.0 + Math.exp(-x)));
            case "relu" -> x -> Math.max(0f, x);
            case "softsign" -> x -> x / (1f + Math.abs(x));
            case "softplus" -> x -> x > 20f ? x : (float) Math.log1p(Math.exp(x)); // exp overflows past ~88
            default -> throw ctx.unsupported("activation " + name);
        };
    }
}
