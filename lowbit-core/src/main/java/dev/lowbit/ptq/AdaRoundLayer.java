package dev.lowbit.ptq;

import dev.lowbit.grad.Adam;
import dev.lowbit.grad.GradRegistry;
import dev.lowbit.grad.Tape;
import dev.lowbit.onnx.Graph;
import dev.lowbit.onnx.Node;
import dev.lowbit.onnx.ValueInfo;
import dev.lowbit.quant.QuantParams;
import dev.lowbit.tensor.DType;
import dev.lowbit.tensor.Shapes;
import dev.lowbit.tensor.Tensor;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * AdaRound for one layer (Nagel et al. 2020): learns, per weight, whether to round down or up.
 *
 * <p>W̃ = s·(clamp(floor(W/s) + z + h(V), qmin, qmax) − z), with the rectified sigmoid
 * h(V) = clamp(sigmoid(V)·(ζ − γ) + γ, 0, 1), ζ = 1.1, γ = −0.1, and V initialised so that h(V)
 * equals the fractional part of W/s (W̃ starts at W wherever nothing saturates). The loss is the
 * reconstruction error of the layer output (with its fused ReLU/Clip), summed over channels (axis 1)
 * and averaged over the rest as in AIMET, plus λ·Σ(1 − |2h(V) − 1|^β), which pushes h to 0 or 1;
 * β is cosine-annealed from {@code betaStart} to {@code betaEnd} after a warm start without it.
 * Gradients come from the {@link Tape} over a one- or two-node graph (the layer and its
 * activation); Adam updates V on batches sampled (seeded) from the cached layer inputs. At the end
 * h is hardened to {0, 1} (V ≥ 0 rounds up).
 */
final class AdaRoundLayer {
    static final double ZETA = 1.1, GAMMA = -0.1;

    /** The algorithm's knobs (see {@link AdaRound#defaults()}). */
    record Options(int iterations, int batch, double learningRate, double lambda, double betaStart, double betaEnd,
                   double warmStart, long seed) {
    }

    /** What optimising a layer produced: integer codes and the layer-output MSE before and after. */
    record Result(Tensor codes, double nearestMse, double adaroundMse) {
    }

    /** Progress callback: {@code done} of the layer's iterations. */
    interface Tick {
        void iteration(int done);
    }

    private final Graph mini;
    private final String output;
    private final Tape tape;

    /**
     * {@code layer} is the Conv/Gemm/MatMul whose input 0 is the activation and input 1 the weight;
     * {@code activation} (may be null) the ReLU/Clip fused after it. Other inputs must be initializers of {@code source}.
     */
    AdaRoundLayer(Graph source, Map<String, Long> opsets, Node layer, Node activation, int[] sampleShape, int[] weightShape) {
        mini = new Graph("adaround");
        Node l = layer.copy();
        l.inputs().set(0, "x");
        l.inputs().set(1, "w");
        l.outputs().clear();
        l.outputs().add("t");
        mini.addNode(l);
        copyConstants(source, layer, 2);
        output = activation == null ? "t" : "y";
        if (activation != null) {
            Node a = activation.copy();
            a.inputs().set(0, "t");
            a.outputs().clear();
            a.outputs().add("y");
            mini.addNode(a);
            copyConstants(source, activation, 1);
        }
        int[] xShape = new int[sampleShape.length + 1];
        xShape[0] = -1;
        System.arraycopy(sampleShape, 0, xShape, 1, sampleShape.length);
        mini.inputs().add(ValueInfo.of("x", DType.FLOAT, xShape));
        mini.inputs().add(ValueInfo.of("w", DType.FLOAT, weightShape));
        mini.outputs().add(new ValueInfo(output, null, null));
        tape = new Tape(mini, opsets, Set.of(), GradRegistry.standard(), false);
    }

    private void copyConstants(Graph source, Node n, int from) {
        for (int i = from; i < n.inputs().size(); i++) {
            if (n.hasInput(i)) {
                mini.setInitializer(n.input(i), source.initializer(n.input(i)));
            }
        }
    }

    /** True when every input of {@code n} from {@code from} on is absent or an initializer. */
    static boolean constantsFrom(Graph g, Node n, int from) {
        for (int i = from; i < n.inputs().size(); i++) {
            if (n.hasInput(i) && g.initializer(n.input(i)) == null) {
                return false;
            }
        }
        return true;
    }

    /**
     * Optimises the rounding of {@code w} (quantization parameters {@code p}) so that the layer on the
     * cached inputs {@code xs} (samples × sample size) reproduces {@code targets}.
     */
    Result optimise(Tensor w, QuantParams p, float[] xs, float[] targets, int samples, int[] sampleShape,
            Options o, Tick tick) {
        float[] wf = w.floats();
        int n = wf.length;
        int[] channel = channelIndex(w.shapeRef(), p);
        float[] scale = new float[n];
        float[] base = new float[n];
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            int c = channel[i];
            scale[i] = p.scales()[c];
            double q = (double) wf[i] / scale[i];
            double fl = Math.floor(q);
            base[i] = (float) (fl + p.zeroPoints()[c]);
            double sig = (q - fl - GAMMA) / (ZETA - GAMMA);
            v[i] = (float) Math.log(sig / (1 - sig));
        }
        int qmin = p.scheme().qmin(), qmax = p.scheme().qmax();
        int[] zero = new int[n];
        for (int i = 0; i < n; i++) {
            zero[i] = p.zeroPoints()[channel[i]];
        }
        int in = xs.length / samples, outLen = targets.length / samples;
        int batch = Math.min(o.batch(), samples);
        float[] xb = new float[batch * in], yb = new float[batch * outLen];
        float[] soft = new float[n], slope = new float[n], h = new float[n], dv = new float[n];
        Adam adam = new Adam(n, o.learningRate());
        Random rng = new Random(o.seed());
        int warm = (int) Math.round(o.warmStart() * o.iterations());
        int[] xShape = withBatch(sampleShape, batch);
        for (int it = 0; it < o.iterations(); it++) {
            for (int b = 0; b < batch; b++) {
                int s = rng.nextInt(samples);
                System.arraycopy(xs, s * in, xb, b * in, in);
                System.arraycopy(targets, s * outLen, yb, b * outLen, outLen);
            }
            for (int i = 0; i < n; i++) {
                double sig = 1 / (1 + Math.exp(-v[i]));
                double lin = sig * (ZETA - GAMMA) + GAMMA;
                h[i] = (float) Math.max(0, Math.min(1, lin));
                double q = base[i] + h[i];
                soft[i] = scale[i] * ((float) Math.max(qmin, Math.min(qmax, q)) - zero[i]);
                boolean live = lin > 0 && lin < 1;
                slope[i] = live ? (float) (sig * (1 - sig) * (ZETA - GAMMA)) : 0f; // dh/dV
                dv[i] = live && q >= qmin && q <= qmax ? scale[i] * slope[i] : 0f; // dW̃/dV
            }
            Tensor out = tape.forward(Map.of("x", Tensor.of(xb, xShape), "w", Tensor.of(soft, w.shape()))).get(output);
            float[] ys = out.floats();
            float[] g = new float[ys.length];
            double norm = (double) ys.length / (out.rank() > 1 ? out.dim(1) : 1); // sum over channels, mean over the rest
            for (int i = 0; i < ys.length; i++) {
                g[i] = (float) (2 * (ys[i] - yb[i]) / norm);
            }
            float[] gw = tape.backward(Map.of(output, Tensor.of(g, out.shape())), List.of("w")).get("w").floats();
            double beta = it < warm ? 0 : annealedBeta(o, (double) (it - warm) / Math.max(1, o.iterations() - warm));
            for (int i = 0; i < n; i++) {
                double grad = gw[i] * dv[i];
                if (beta > 0) { // d/dh of λ(1 − |2h − 1|^β) = −2λβ|2h − 1|^(β−1)·sign(2h − 1)
                    double u = 2.0 * h[i] - 1;
                    grad += -2 * o.lambda() * beta * Math.pow(Math.abs(u), beta - 1) * Math.signum(u) * slope[i];
                }
                dv[i] = (float) grad;
            }
            adam.step(v, dv);
            if (tick != null && ((it + 1) % 50 == 0 || it + 1 == o.iterations())) {
                tick.iteration(it + 1);
            }
        }
        Tensor codes = Tensor.zeros(p.scheme().storageType(), w.shapeRef());
        float[] hard = new float[n];
        for (int i = 0; i < n; i++) {
            long q = (long) Math.max(qmin, Math.min(qmax, base[i] + (v[i] >= 0 ? 1 : 0)));
            codes.setLong(i, q);
            hard[i] = scale[i] * (q - zero[i]);
        }
        float[] nearest = new float[n];
        for (int i = 0; i < n; i++) {
            long q = (long) Math.max(qmin, Math.min(qmax, Math.rint(wf[i] / scale[i]) + zero[i]));
            nearest[i] = scale[i] * (q - zero[i]);
        }
        return new Result(codes, outputMse(nearest, w, xs, targets, samples, sampleShape, o.batch()),
                outputMse(hard, w, xs, targets, samples, sampleShape, o.batch()));
    }

    /** Cosine annealing from betaStart (progress 0) to betaEnd (progress 1). */
    static double annealedBeta(Options o, double progress) {
        return o.betaEnd() + 0.5 * (o.betaStart() - o.betaEnd()) * (1 + Math.cos(Math.PI * Math.min(1, progress)));
    }

    /** Mean squared error of the layer output with weights {@code wq} against the targets, over all samples. */
    double outputMse(float[] wq, Tensor w, float[] xs, float[] targets, int samples, int[] sampleShape, int chunk) {
        int in = xs.length / samples, outLen = targets.length / samples;
        double sum = 0;
        for (int s0 = 0; s0 < samples; s0 += chunk) {
            int b = Math.min(chunk, samples - s0);
            float[] xb = java.util.Arrays.copyOfRange(xs, s0 * in, (s0 + b) * in);
            float[] ys = tape.forward(Map.of("x", Tensor.of(xb, withBatch(sampleShape, b)), "w",
                    Tensor.of(wq, w.shape()))).get(output).floats();
            for (int i = 0; i < ys.length; i++) {
                double d = ys[i] - targets[s0 * outLen + i];
                sum += d * d;
            }
        }
        return sum / targets.length;
    }

    /** The output of the layer (with activation) for one batch, for computing float targets in tests. */
    Tensor run(Tensor x, Tensor w) {
        return tape.forward(Map.of("x", x, "w", w)).get(output);
    }

    static int[] withBatch(int[] sampleShape, int batch) {
        int[] s = new int[sampleShape.length + 1];
        s[0] = batch;
        System.arraycopy(sampleShape, 0, s, 1, sampleShape.length);
        return s;
    }

    /** For each weight element, the index of its scale. */
    static int[] channelIndex(int[] shape, QuantParams p) {
        int n = Shapes.size(shape);
        int channels = p.scales().length;
        int inner = 1;
        if (channels > 1) {
            int ax = Shapes.axis(p.axis(), shape.length);
            for (int i = ax + 1; i < shape.length; i++) {
                inner *= shape[i];
            }
        }
        int[] c = new int[n];
        for (int i = 0; i < n; i++) {
            c[i] = channels == 1 ? 0 : (i / inner) % channels;
        }
        return c;
    }
}
