package dev.lowbit.ops;

import dev.lowbit.exec.OpRegistry;
import dev.lowbit.tensor.Tensor;

/**
 * NegativeLogLikelihoodLoss and SoftmaxCrossEntropyLoss (opsets 12-13): a class-indexed gather
 * of (log-)probabilities with optional class weights, ignore_index and none/sum/mean reduction.
 */
public final class LossOps implements OpRegistry.Family {
    @Override
    public void register(OpRegistry r) {
        r.register("NegativeLogLikelihoodLoss", ctx -> {
            String reduction = reduction(ctx);
            Long ignore = ctx.node().has("ignore_index") ? ctx.node().getInt("ignore_index", 0) : null;
            return in -> new Tensor[] {nll(in[0], ShapeUtil.longs(in[1]), in.length > 2 ? in[2] : null, reduction,
                    ignore)};
        });
        r.register("SoftmaxCrossEntropyLoss", ctx -> {
            String reduction = reduction(ctx);
            Long ignore = ctx.node().has("ignore_index") ? ctx.node().getInt("ignore_index", 0) : null;
            return in -> {
                Tensor logProb = logSoftmaxAxis1(in[0]);
                Tensor loss = nll(logProb, ShapeUtil.longs(in[1]), in.length > 2 ? in[2] : null, reduction, ignore);
                return new Tensor[] {loss, logProb};
            };
        });
    }

    private static String reduction(dev.lowbit.exec.OpContext ctx) {
        String red = ctx.node().getString("reduction", "mean");
        if (!red.equals("none") && !red.equals("sum") && !red.equals("mean")) {
            throw ctx.unsupported(ctx.node().opType() + " reduction " + red);
        }
        return red;
    }

    /** input [N, C, d...], target [N, d...] class indices. */
    static Tensor nll(Tensor input, long[] target, Tensor weight, String reduction, Long ignore) {
        if (!input.dtype().isFloatingPoint()) {
            throw ShapeUtil.unsupportedType("NegativeLogLikelihoodLoss", input);
        }
        int[] s = input.shapeRef();
        if (s.length < 2) {
            throw new IllegalArgumentException("loss input needs rank >= 2, got " + input);
        }
        int n = s[0], c = s[1];
        int inner = ShapeUtil.product(s, 2, s.length);
        if (target.length != n * inner) {
            throw new IllegalArgumentException("target has " + target.length + " elements, expected " + n * inner);
        }
        double[] loss = new double[n * inner];
        double weightSum = 0;
        for (int i = 0; i < n; i++) {
            for (int d = 0; d < inner; d++) {
                int p = i * inner + d;
                long t = target[p];
                if (ignore != null && t == ignore) {
                    continue;
                }
                if (t < 0 || t >= c) {
                    throw new IllegalArgumentException("target class " + t + " out of range for " + c + " classes");
                }
                double w = weight == null ? 1 : weight.getDouble((int) t);
                loss[p] = -input.getDouble((i * c + (int) t) * inner + d) * w;
                weightSum += w;
            }
        }
        if (reduction.equals("none")) {
            int[] os = new int[s.length - 1];
            os[0] = n;
            System.arraycopy(s, 2, os, 1, s.length - 2);
            Tensor out = Tensor.zeros(input.dtype(), os);
            for (int i = 0; i < loss.length; i++) {
                out.setDouble(i, loss[i]);
            }
            return out;
        }
        double sum = 0;
        for (double v : loss) {
            sum += v;
        }
        Tensor out = Tensor.zeros(input.dtype());
        // mean divides by the summed weights of the counted elements (their number when unweighted)
        out.setDouble(0, reduction.equals("sum") ? sum : sum / weightSum);
        return out;
    }

    static Tensor logSoftmaxAxis1(Tensor x) {
        int[] s = x.shapeRef();
        int n = s[0], c = s[1];
        int inner = ShapeUtil.product(s, 2, s.length);
        Tensor out = Tensor.zeros(x.dtype(), s);
        for (int i = 0; i < n; i++) {
            for (int d = 0; d < inner; d++) {
                double max = Double.NEGATIVE_INFINITY;
                for (int k = 0; k < c; k++) {
                    max = Math.max(max, x.getDouble((i * c + k) * inner + d));
                }
                double sum = 0;
                for (int k = 0; k < c; k++) {
                    sum += Math.exp(x.getDouble((i * c + k) * inner + d) - max);
                }
                double log = Math.log(sum);
                for (int k = 0; k < c; k++) {
                    int p = (i * c + k) * inner + d;
                    out.setDouble(p, x.getDouble(p) - max - log);
                }
            }
        }
        return out;
    }
}
